import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { CredentialsError, readCaFile, readCredentials } from '../../../edge-agent/src/uplink/index.ts'
import { thrownBy } from '../../support/thrown.ts'

let dir: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'credentials-test-'))
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

function file(name: string, text: string, mode: number): string {
  const path = join(dir, name)
  writeFileSync(path, text)
  chmodSync(path, mode) // explicit: the umask must not decide the test
  return path
}

const caught = (fn: () => unknown): CredentialsError => thrownBy(CredentialsError, fn)

describe('readCredentials', () => {
  it('reads {"username", "password"} from a 0600 file', () => {
    const path = file('gw.json', JSON.stringify({ username: 'gw-1', password: 's3cret!' }), 0o600)
    expect(readCredentials(path)).toEqual({ username: 'gw-1', password: 's3cret!' })
    expect(readCredentials(file('ro.json', JSON.stringify({ username: 'gw-1', password: '' }), 0o400))).toEqual({ username: 'gw-1', password: '' })
  })

  it('refuses a file group or other may read, naming the file and its mode, without the password', () => {
    const path = file('gw.json', JSON.stringify({ username: 'gw-1', password: 'do-not-log-me' }), 0o644)
    const error = caught(() => readCredentials(path))
    expect(error.code).toBe('CREDENTIALS_INSECURE')
    expect(error.message).toBe(`credentials file ${path} has mode 0644: group and other must have no access; run chmod 600 ${path}`)
    for (const mode of [0o640, 0o604, 0o660, 0o602]) {
      chmodSync(path, mode)
      expect(caught(() => readCredentials(path)).message).toContain(`mode 0${mode.toString(8)}`)
    }
  })

  it('says what is wrong with a missing or malformed file, never quoting its content', () => {
    expect(caught(() => readCredentials(join(dir, 'missing.json')))).toMatchObject({ code: 'CREDENTIALS_UNREADABLE', message: expect.stringContaining('missing.json: cannot read it (ENOENT)') })
    const broken = file('broken.json', '{"username": "gw-1", "password": "do-not-log-me"', 0o600)
    const error = caught(() => readCredentials(broken))
    expect(error.code).toBe('CREDENTIALS_INVALID')
    expect(error.message).toContain(broken)
    expect(error.message).not.toContain('do-not-log-me')
    const wrongShape = file('shape.json', JSON.stringify({ user: 'gw-1', password: 'do-not-log-me' }), 0o600)
    expect(caught(() => readCredentials(wrongShape)).message).toMatch(/must hold \{"username": "…", "password": "…"\}/)
    expect(caught(() => readCredentials(file('array.json', '[]', 0o600))).code).toBe('CREDENTIALS_INVALID')
  })
})

describe('readCaFile', () => {
  it('reads the CA, or names the file it cannot read', () => {
    const path = file('ca.pem', '-----BEGIN CERTIFICATE-----\n', 0o644)
    expect(readCaFile(path).toString()).toContain('BEGIN CERTIFICATE')
    expect(caught(() => readCaFile(join(dir, 'none.pem')))).toMatchObject({ code: 'CA_UNREADABLE', message: expect.stringContaining('none.pem') })
  })
})
