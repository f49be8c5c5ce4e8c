/**
 * The UUCP lock-file convention minicom, picocom and ModemManager keep for a serial line, as pure rules:
 * `/run/lock/LCK..ttyUSB0` holds the holder's PID as ten ASCII characters and a newline; the name is the
 * basename of the device's real path, so a symlink and its target share one lock; a lock whose process is
 * gone is stale and may be taken over. No file system here (port-lock.ts does that).
 */
import { basename } from 'node:path'
import { ProductError } from '../../../protocols/errors.ts'

/** `LCK..ttyUSB0` for /dev/ttyUSB0 (give it the real path: symlinks resolved). */
export const lockFileName = (realDevicePath: string): string => `LCK..${basename(realDevicePath)}`

/** `%10d\n`, as HDB UUCP, minicom and picocom write it. */
export const lockFileContent = (pid: number): string => `${String(pid).padStart(10)}\n`

/** The holder's PID, or undefined when the content is not one (empty, binary, garbage). */
export function lockHolderPid(content: string): number | undefined {
  const text = content.trim()
  if (!/^\d{1,10}$/u.test(text)) return undefined
  const pid = Number(text)
  return pid > 0 ? pid : undefined
}

export type LockVerdict =
  | { kind: 'ours' }
  | { kind: 'stale'; pid: number }
  | { kind: 'held'; pid: number }
  /** no PID to check: like picocom, the line is left alone */
  | { kind: 'unreadable' }

/** What to do about an existing lock file. */
export function judgeLock(content: string, ownPid: number, isAlive: (pid: number) => boolean): LockVerdict {
  const pid = lockHolderPid(content)
  if (pid === undefined) return { kind: 'unreadable' }
  if (pid === ownPid) return { kind: 'ours' }
  return isAlive(pid) ? { kind: 'held', pid } : { kind: 'stale', pid }
}

const NODE_OPTIONS_WITH_VALUE = new Set(['--import', '--require', '-r', '--loader', '--experimental-loader', '--conditions', '-C', '--env-file'])

/**
 * A process's command line for a person: argv joined with spaces, from /proc/PID/cmdline (NUL-separated).
 * `node [options] …/edge-agent/bin/edge-agent.js run …` (or its TypeScript entry) reads `edge-agent run …`.
 */
export function commandLineOf(cmdline: string): string | undefined {
  const argv = cmdline.split('\0').filter((arg, i, all) => arg !== '' || i < all.length - 1)
  if (argv.length === 0 || argv.every((arg) => arg === '')) return undefined
  if (/^node(js)?[\d.]*$/u.test(basename(argv[0]!))) {
    let at = 1
    while (at < argv.length && argv[at]!.startsWith('-')) at += NODE_OPTIONS_WITH_VALUE.has(argv[at]!) ? 2 : 1
    const script = argv[at]
    if (script !== undefined && /(^|\/)edge-agent(\/bin\/edge-agent\.js|\/src\/cli\/main\.ts|\.m?js)?$/u.test(script)) {
      return ['edge-agent', ...argv.slice(at + 1)].join(' ')
    }
  }
  return argv.join(' ').trim()
}

/** Another process holds the serial line (or a lock file without a PID does). */
export class SerialPortLockedError extends ProductError {
  readonly code = 'PORT_LOCKED'
  constructor(
    readonly path: string,
    readonly holder: { pid: number; command: string | undefined } | { lockFile: string; why: string },
  ) {
    super(lockedMessage(path, holder))
  }
}

function lockedMessage(path: string, holder: SerialPortLockedError['holder']): string {
  if ('lockFile' in holder) return `${path} is locked by ${holder.lockFile}: ${holder.why}`
  const { pid, command } = holder
  const service = command?.startsWith('edge-agent run') ? ' (systemctl stop edge-agent)' : ''
  return `${path} is in use by process ${pid}${command ? ` (${command})` : ''}; stop it first${service}`
}
