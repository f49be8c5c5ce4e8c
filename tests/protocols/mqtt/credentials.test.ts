import { describe, expect, it } from 'vitest'
import { checkCredentialsMode, CredentialsError, parseCredentials, withoutCredentials } from '../../../protocols/mqtt/credentials.ts'

describe('withoutCredentials', () => {
  it.each([
    ['mqtt://fleet-server:S3cretBrokerPw@127.0.0.1:11884', 'mqtt://127.0.0.1:11884'],
    ['mqtts://only-user@broker.example', 'mqtts://broker.example'],
    ['mqtt://u:p@ss@w0rd@10.0.0.1:1883', 'mqtt://10.0.0.1:1883'],
    ['mqtt://127.0.0.1:1883', 'mqtt://127.0.0.1:1883'],
    ['mqtt://[::1]:1883', 'mqtt://[::1]:1883'],
  ])('%s → %s', (url, shown) => {
    expect(withoutCredentials(url)).toBe(shown)
  })
})

describe('checkCredentialsMode and parseCredentials', () => {
  it('accepts 0600 and 0400, refuses any access of group or other, naming the fix', () => {
    expect(() => checkCredentialsMode('/etc/login.json', 0o100600)).not.toThrow()
    expect(() => checkCredentialsMode('/etc/login.json', 0o100400)).not.toThrow()
    for (const mode of [0o100640, 0o100604, 0o100660, 0o100644]) {
      expect(() => checkCredentialsMode('/etc/login.json', mode)).toThrow(CredentialsError)
    }
    expect(() => checkCredentialsMode('/etc/login.json', 0o100644)).toThrow('credentials file /etc/login.json has mode 0644: group and other must have no access; run chmod 600 /etc/login.json')
  })

  it('reads the login and never quotes the text of a broken file', () => {
    expect(parseCredentials('f.json', '{"username":"fleet","password":"pw"}')).toEqual({ username: 'fleet', password: 'pw' })
    for (const text of ['{"username":"fleet","password":"S3cret"', '{"user":"fleet","password":"S3cret"}', '"S3cret"']) {
      let message = ''
      try {
        parseCredentials('f.json', text)
      } catch (error) {
        expect(error).toMatchObject({ code: 'CREDENTIALS_INVALID' })
        message = (error as Error).message
      }
      expect(message).toMatch(/^credentials file f\.json /u)
      expect(message).not.toContain('S3cret')
    }
  })
})
