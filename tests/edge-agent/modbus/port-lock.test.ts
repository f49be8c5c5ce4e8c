/** Unit: the serial line's lock file in a directory of the test's own (files only: no process, no port). */
import { existsSync, mkdirSync, readFileSync, statSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { SerialPortLockedError } from '../../../edge-agent/src/modbus/port-lock-rules.ts'
import { takePortLock, type PortLock, type PortLockOptions } from '../../../edge-agent/src/modbus/port-lock.ts'
import { tempDir, type TempDir } from '../../support/gateway-config.ts'

/** The test itself is the other holder: its PID is alive, and another PID plays this process. */
const OTHER = process.pid
const SELF = 2_000_001
const GONE = 2_000_002

let dir: TempDir
let lockDir: string
let device: string
const taken: PortLock[] = []
const options = (extra: Partial<PortLockOptions> = {}): PortLockOptions => ({
  dir: lockDir, pid: SELF, isAlive: (pid) => pid !== GONE, commandOf: (pid) => (pid === OTHER ? 'edge-agent run --config /etc/edge-agent/gateway.yaml' : undefined), ...extra,
})
const take = (path = device, extra: Partial<PortLockOptions> = {}, previous?: PortLock): PortLock => {
  const lock = takePortLock(path, options(extra), previous)
  if (!('file' in lock)) throw new Error(`not taken: ${lock.unavailable}`)
  taken.push(lock)
  return lock
}
const lockFile = () => join(lockDir, 'LCK..ttyFAKE0')

beforeEach(() => {
  dir = tempDir('port-lock')
  lockDir = join(dir.path, 'lock')
  mkdirSync(lockDir)
  device = join(dir.path, 'ttyFAKE0')
  writeFileSync(device, '')
})
afterEach(() => {
  for (const lock of taken.splice(0)) lock.release()
  dir.remove()
})

describe('takePortLock', () => {
  it('creates LCK..NAME with the PID as ten characters and a newline, mode 0644, and removes it on release', () => {
    const lock = take()
    expect(lock.file).toBe(lockFile())
    expect(readFileSync(lockFile(), 'latin1')).toBe(`${String(SELF).padStart(10)}\n`)
    expect(statSync(lockFile()).mode & 0o777).toBe(0o644)
    lock.release()
    expect(existsSync(lockFile())).toBe(false)
  })

  it('refuses a line whose lock names a live process, saying which and its command line; the lock stays', () => {
    writeFileSync(lockFile(), `${String(OTHER).padStart(10)}\n`)
    const error = (() => {
      try {
        take()
      } catch (e) {
        return e
      }
    })()
    expect(error).toBeInstanceOf(SerialPortLockedError)
    expect(error).toMatchObject({ code: 'PORT_LOCKED', path: device, holder: { pid: OTHER } })
    expect((error as Error).message).toBe(`${device} is in use by process ${OTHER} (edge-agent run --config /etc/edge-agent/gateway.yaml); stop it first (systemctl stop edge-agent)`)
    expect(readFileSync(lockFile(), 'latin1')).toBe(`${String(OTHER).padStart(10)}\n`)
  })

  it('takes over a stale lock (its process gone)', () => {
    writeFileSync(lockFile(), `${String(GONE).padStart(10)}\n`)
    take()
    expect(readFileSync(lockFile(), 'latin1').trim()).toBe(String(SELF))
  })

  it('a lock that names no process is left alone', () => {
    writeFileSync(lockFile(), 'garbage')
    expect(() => take()).toThrow(`${device} is locked by ${lockFile()}: it names no process; remove it if no program is using the line`)
    expect(readFileSync(lockFile(), 'latin1')).toBe('garbage')
  })

  it('a symlink and its target share one lock', () => {
    const link = join(dir.path, 'by-id-usb-FTDI')
    symlinkSync(device, link)
    take(link)
    expect(existsSync(lockFile())).toBe(true)
    expect(() => take(device)).toThrow(SerialPortLockedError)
  })

  it('a second holder in this process is refused too; the first, reopening, takes its lock again', () => {
    const first = take()
    expect(() => take()).toThrow(`in use by process ${SELF}`)
    const again = take(device, {}, first)
    expect(again.file).toBe(first.file)
    first.release() // forgotten when taken again: releasing it removes nothing
    expect(existsSync(lockFile())).toBe(true)
    again.release()
    expect(existsSync(lockFile())).toBe(false)
  })

  it('taking it again makes the file anew if it went missing, and is refused if another process has it now', () => {
    const first = take()
    unlinkSync(lockFile())
    const second = take(device, {}, first)
    expect(readFileSync(lockFile(), 'latin1').trim()).toBe(String(SELF))
    writeFileSync(lockFile(), `${String(OTHER).padStart(10)}\n`)
    expect(() => take(device, {}, second)).toThrow(SerialPortLockedError)
  })

  it('release leaves a lock that another process took in between', () => {
    const lock = take()
    writeFileSync(lockFile(), `${String(OTHER).padStart(10)}\n`)
    lock.release()
    expect(readFileSync(lockFile(), 'latin1').trim()).toBe(String(OTHER))
  })

  it('a lock directory that is missing or not a directory: unavailable, with the reason', () => {
    expect(takePortLock(device, options({ dir: join(dir.path, 'missing') }))).toEqual({ unavailable: `cannot create ${join(dir.path, 'missing', 'LCK..ttyFAKE0')}: ENOENT` })
    expect(takePortLock(device, options({ dir: device }))).toEqual({ unavailable: `cannot create ${join(device, 'LCK..ttyFAKE0')}: ENOTDIR` })
  })
})
