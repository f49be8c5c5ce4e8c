import { describe, expect, it } from 'vitest'
import { ProvisionError } from '../../../edge-agent/src/provision/errors.ts'
import { enrollUrl, provisionInputs } from '../../../edge-agent/src/provision/inputs.ts'
import { thrownBy } from '../../support/thrown.ts'

const TOKEN = 'k3V9xQ2mR7pL0aZ8bN4cY6dW1eT5fU0g'
const base = { server: 'https://fleet.example:8443', token: TOKEN, config: 'gateway.yaml' }

const refusal = (args: Parameters<typeof provisionInputs>[0]): ProvisionError => thrownBy(ProvisionError, () => provisionInputs(args, '/site'))

describe('provision arguments', () => {
  it('paths made absolute against the working folder, the token trimmed', () => {
    const inputs = provisionInputs({ ...base, token: ` ${TOKEN}\n`, ca: 'tls/ca.pem', gateway: 'gw-1' }, '/site')
    expect(inputs).toEqual({ server: new URL('https://fleet.example:8443'), token: TOKEN, configFile: '/site/gateway.yaml', caFile: '/site/tls/ca.pem', gatewayId: 'gw-1' })
    expect(provisionInputs({ ...base, config: '/etc/gw.yaml' }, '/site').configFile).toBe('/etc/gw.yaml')
  })

  it('takes a short code as a person types it', () => {
    expect(provisionInputs({ ...base, token: 'ABCD-EFGH JKMN-PQRS' }, '/site').token).toBe('ABCD-EFGH JKMN-PQRS')
  })

  it('refuses, as invalid input, a server that is no http(s) URL, a bad gateway id and an empty or binary token', () => {
    const cases: [Parameters<typeof provisionInputs>[0], RegExp][] = [
      [{ ...base, server: 'fleet.example' }, /^--server must be the fleet server's URL \(https:\/\/host:port\), got "fleet.example"$/u],
      [{ ...base, server: 'mqtts://fleet.example' }, /^--server must be an https:\/\/ or http:\/\/ URL, got mqtts:\/\/…$/u],
      [{ ...base, server: 'https://admin:pw@fleet.example' }, /^--server must not carry a user name or password/u],
      [{ ...base, server: 'https://fleet.example/?x=1' }, /^--server must be the server's base URL without \? or #/u],
      [{ ...base, gateway: '-gw' }, /^--gateway must be letters, digits, - _ \. .*got "-gw"$/u],
      [{ ...base, gateway: 'g'.repeat(65) }, /^--gateway must be/u],
      [{ ...base, token: '  ' }, /^--token must be the enrolment token or short code/u],
      [{ ...base, token: 'abc\u0000def' }, /^--token must be/u],
    ]
    for (const [args, message] of cases) {
      const error = refusal(args)
      expect(error.message, JSON.stringify(args)).toMatch(message)
      expect(error.invalidInput).toBe(true)
    }
  })

  it('never repeats the token in a refusal', () => {
    const secret = `${TOKEN}${'é'}`
    expect(refusal({ ...base, token: secret }).message).not.toContain(TOKEN)
  })
})

describe('the enrolment endpoint', () => {
  it('joins api/enroll to the base URL, with or without a path and its slash', () => {
    expect(enrollUrl(new URL('https://fleet:8443')).href).toBe('https://fleet:8443/api/enroll')
    expect(enrollUrl(new URL('https://fleet:8443/')).href).toBe('https://fleet:8443/api/enroll')
    expect(enrollUrl(new URL('https://proxy.example/fleet')).href).toBe('https://proxy.example/fleet/api/enroll')
    expect(enrollUrl(new URL('https://proxy.example/fleet/')).href).toBe('https://proxy.example/fleet/api/enroll')
  })

  it('reads the token from --token-file (relative to the working folder, - for stdin), never from both or neither', () => {
    const files: Record<string, string> = { '/site/token.txt': `${TOKEN}\n` }
    const read = (file: string | 0) => {
      if (file === 0) return ` ${TOKEN} `
      if (!(file in files)) throw Object.assign(new Error('missing'), { code: 'ENOENT' })
      return files[file]!
    }
    const { token: _token, ...withoutToken } = base
    expect(provisionInputs({ ...withoutToken, tokenFile: 'token.txt' }, '/site', read).token).toBe(TOKEN)
    expect(provisionInputs({ ...withoutToken, tokenFile: '-' }, '/site', read).token).toBe(TOKEN)
    const message = (args: Parameters<typeof provisionInputs>[0]) => thrownBy(ProvisionError, () => provisionInputs(args, '/site', read)).message
    expect(message({ ...withoutToken, tokenFile: 'nope.txt' })).toBe('--token-file nope.txt: no such file')
    expect(message({ ...base, tokenFile: 'token.txt' })).toMatch(/--token TOKEN or --token-file FILE/u)
    expect(message(withoutToken)).toMatch(/--token TOKEN or --token-file FILE/u)
  })
})
