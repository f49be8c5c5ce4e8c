import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { ProvisionError } from '../../../edge-agent/src/provision/errors.ts'
import { checkWritable, readCaCertificate, replaceFile } from '../../../edge-agent/src/provision/files.ts'
import { tempDir } from '../../support/gateway-config.ts'

const dir = tempDir('provision-files')
afterAll(() => dir.remove())

describe('replacing a file in one step', () => {
  it('a secret file is 0600 whatever the umask, and nothing else is left in the folder', () => {
    const folder = join(dir.path, 'secret')
    mkdirSync(folder)
    const previous = process.umask(0)
    try {
      replaceFile(join(folder, 'credentials.json'), '{"username":"gw","password":"p"}\n', 0o600)
    } finally {
      process.umask(previous)
    }
    expect(statSync(join(folder, 'credentials.json')).mode & 0o777).toBe(0o600)
    expect(readdirSync(folder)).toEqual(['credentials.json'])
  })

  it('replaces an existing file\'s text and gives it the mode asked for', () => {
    const path = join(dir.path, 'gateway.yaml')
    writeFileSync(path, 'old\n', { mode: 0o644 })
    replaceFile(path, 'new\n', 0o640)
    expect(readFileSync(path, 'utf8')).toBe('new\n')
    expect(statSync(path).mode & 0o777).toBe(0o640)
  })

  it('a rename that fails leaves the target as it was and no temporary file', () => {
    const folder = join(dir.path, 'blocked')
    mkdirSync(join(folder, 'credentials.json'), { recursive: true })
    expect(() => replaceFile(join(folder, 'credentials.json'), 'x', 0o600)).toThrow(/EISDIR|ENOTEMPTY|EEXIST/u)
    expect(readdirSync(folder)).toEqual(['credentials.json'])
    expect(statSync(join(folder, 'credentials.json')).isDirectory()).toBe(true)
  })
})

describe('checks before the token is spent', () => {
  it('a folder that does not exist is named, as invalid input', () => {
    const config = join(dir.path, 'gateway.yaml')
    writeFileSync(config, 'x: 1\n')
    let error: unknown
    try {
      checkWritable(config, join(dir.path, 'nowhere', 'credentials.json'))
    } catch (thrown) {
      error = thrown
    }
    expect(error).toBeInstanceOf(ProvisionError)
    expect((error as ProvisionError).message).toBe(`the credentials file's folder ${join(dir.path, 'nowhere')} does not exist; nothing was written`)
    expect((error as ProvisionError).invalidInput).toBe(true)
  })

  it('--ca must be a PEM certificate', () => {
    const path = join(dir.path, 'key.pem')
    writeFileSync(path, '-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----\n')
    expect(() => readCaCertificate(path)).toThrow(`--ca ${path}: not a PEM certificate (expected -----BEGIN CERTIFICATE-----)`)
    expect(() => readCaCertificate(join(dir.path, 'none.pem'))).toThrow(`--ca ${join(dir.path, 'none.pem')}: cannot read it (ENOENT)`)
  })
})
