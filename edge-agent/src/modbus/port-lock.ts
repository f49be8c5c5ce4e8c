/**
 * The serial line's lock file (port-lock-rules.ts has the convention): taken with O_EXCL before a serial port
 * is opened, a stale one (its process gone) taken over, given back on close and on exit.
 */
import { closeSync, fchmodSync, openSync, readFileSync, realpathSync, unlinkSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { SerialPortLockedError, commandLineOf, judgeLock, lockFileContent, lockFileName } from './port-lock-rules.ts'

export const DEFAULT_LOCK_DIR = '/run/lock'

export interface PortLockOptions {
  /** default /run/lock; tests give a directory of their own */
  dir?: string
  /** default process.pid */
  pid?: number
  isAlive?: (pid: number) => boolean
  commandOf?: (pid: number) => string | undefined
}

/** A held lock: `release()` removes the file when it is still ours. */
export interface PortLock {
  readonly file: string
  release(): void
}

/** The lock could not be taken for a reason of the lock directory, not of another holder: poll without it. */
export interface LockUnavailable {
  readonly unavailable: string
}

/** Lock files this process holds, and by which lock: a second holder in the same process is refused too. */
const heldHere = new Map<string, PortLock>()

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: alive, another user's
    return (error as NodeJS.ErrnoException).code !== 'ESRCH'
  }
}

function commandOf(pid: number): string | undefined {
  try {
    return commandLineOf(readFileSync(`/proc/${pid}/cmdline`, 'latin1'))
  } catch {
    return undefined
  }
}

const errnoOf = (error: unknown) => (error as NodeJS.ErrnoException).code

/** Same device, same lock: a symlink (/dev/serial/by-id/…) and its target share one. */
function realPathOf(devicePath: string): string {
  try {
    return realpathSync(devicePath)
  } catch {
    return devicePath // not there: the open will say so
  }
}

/**
 * Take the lock of the serial line at `devicePath`. Throws SerialPortLockedError when another process (or
 * another holder in this one) has it; answers `unavailable` when the lock directory cannot be written.
 * `previous`, the lock its caller held before (a line reopened after a drop), is taken again: its file is
 * made again if it went missing, and refused if another process has it now.
 */
export function takePortLock(devicePath: string, options: PortLockOptions = {}, previous?: PortLock): PortLock | LockUnavailable {
  const dir = options.dir ?? DEFAULT_LOCK_DIR
  const ownPid = options.pid ?? process.pid
  const file = join(dir, lockFileName(realPathOf(devicePath)))
  if (previous?.file === file) forget(previous)
  else previous?.release()
  if (heldHere.has(file)) throw new SerialPortLockedError(devicePath, { pid: ownPid, command: (options.commandOf ?? commandOf)(ownPid) })
  // a stale lock removed, another process may take it first: then it is theirs
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(file, 'wx', 0o644)
      try {
        fchmodSync(fd, 0o644) // whatever the umask
        writeSync(fd, lockFileContent(ownPid))
      } finally {
        closeSync(fd)
      }
      return held(file, ownPid)
    } catch (error) {
      if (errnoOf(error) !== 'EEXIST') return { unavailable: `cannot create ${file}: ${errnoOf(error) ?? String(error)}` }
    }
    let content: string
    try {
      content = readFileSync(file, 'latin1')
    } catch (error) {
      if (errnoOf(error) === 'ENOENT') continue // let go in between
      return { unavailable: `cannot read ${file}: ${errnoOf(error) ?? String(error)}` }
    }
    const verdict = judgeLock(content, ownPid, options.isAlive ?? isAlive)
    if (verdict.kind === 'ours') return held(file, ownPid) // left by this process (a holder that never let go)
    if (verdict.kind === 'unreadable') throw new SerialPortLockedError(devicePath, { lockFile: file, why: 'it names no process; remove it if no program is using the line' })
    if (verdict.kind === 'held') throw new SerialPortLockedError(devicePath, { pid: verdict.pid, command: (options.commandOf ?? commandOf)(verdict.pid) })
    try {
      unlinkSync(file)
    } catch (error) {
      if (errnoOf(error) !== 'ENOENT') return { unavailable: `cannot remove the stale ${file} of process ${verdict.pid}: ${errnoOf(error)}` }
    }
  }
  throw new SerialPortLockedError(devicePath, { lockFile: file, why: 'another process took it each time its stale lock was removed' })
}

/** This process's note of a lock, and its release on exit, dropped; the file is left as it is. */
const exitReleases = new Map<PortLock, () => void>()
function forget(lock: PortLock): void {
  const release = exitReleases.get(lock)
  if (release) process.off('exit', release)
  exitReleases.delete(lock)
  if (heldHere.get(lock.file) === lock) heldHere.delete(lock.file)
}

function held(file: string, ownPid: number): PortLock {
  const release = () => {
    process.off('exit', release)
    exitReleases.delete(lock)
    if (heldHere.get(file) !== lock) return
    heldHere.delete(file)
    try {
      if (judgeLock(readFileSync(file, 'latin1'), ownPid, () => true).kind === 'ours') unlinkSync(file)
    } catch {
      // gone already, or the directory turned unreadable: nothing of ours to remove
    }
  }
  const lock: PortLock = { file, release }
  heldHere.set(file, lock)
  exitReleases.set(lock, release)
  process.on('exit', release)
  return lock
}
