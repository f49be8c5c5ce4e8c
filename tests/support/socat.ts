import { existsSync } from 'node:fs'
import { startReady, type ManagedProcess } from './processes.ts'

export const SOCAT = '/usr/bin/socat'

/** Two connected pseudo-terminals: bytes written to one end come out of the other, like a null-modem cable. */
export interface PtyPair {
  a: string
  b: string
  proc: ManagedProcess
  stop(): Promise<void>
}

/** Start `socat -d -d pty,raw,echo=0 pty,raw,echo=0` and learn the two /dev/pts paths from its log. */
export async function startPtyPair(timeoutMs = 10_000): Promise<PtyPair> {
  // socat -d -d logs "... N PTY is /dev/pts/7" once per end, then "starting data transfer loop"
  const { proc } = await startReady(SOCAT, ['-d', '-d', 'pty,raw,echo=0', 'pty,raw,echo=0'], /starting data transfer loop/u, {
    stream: 'stderr',
    timeoutMs,
    name: 'socat',
  })
  const paths = [...proc.stderr.matchAll(/PTY is (\/dev\/pts\/\d+)/gu)].map((m) => m[1]!)
  if (paths.length !== 2 || !paths.every((p) => existsSync(p))) {
    await proc.stop()
    throw new Error(`could not find two pty paths in the socat log: ${proc.describe()}`)
  }
  return { a: paths[0]!, b: paths[1]!, proc, stop: async () => void (await proc.stop()) }
}
