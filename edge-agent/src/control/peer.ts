import { spawn } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import type { Socket } from 'node:net'

/**
 * Who is on the other end of a control connection, as the kernel says: SO_PEERCRED of the accepted
 * unix socket (the pid, uid and gid of the process that connected), never a name the client sends.
 * Node has no API for it; perl (perl-base, part of every Debian system) reads it from the socket's
 * file descriptor, handed to it as fd 3. Where that cannot be done, the caller is recorded as unknown.
 */
export type PeerIdentity =
  | { known: true; pid: number; uid: number; user: string | undefined }
  | { known: false; why: string }

const PEERCRED_SCRIPT = 'use Socket; open(my $s, "+<&=3") or exit 2; my $c = getsockopt($s, SOL_SOCKET, SO_PEERCRED) or exit 3; print join(" ", unpack("iII", $c)), "\\n"'
const LOOKUP_TIMEOUT_MS = 2000

/** perl's line `pid uid gid` → the numbers, or undefined when it is not that. */
export function parsePeerCredentials(text: string): { pid: number; uid: number; gid: number } | undefined {
  const match = /^(\d+) (\d+) (\d+)\n?$/u.exec(text)
  if (!match) return undefined
  return { pid: Number(match[1]), uid: Number(match[2]), gid: Number(match[3]) }
}

/** The account name of `uid` in an /etc/passwd text, or undefined. */
export function userNameOf(uid: number, passwd: string): string | undefined {
  for (const line of passwd.split('\n')) {
    const [name, , id] = line.split(':')
    if (name && id !== undefined && Number(id) === uid && /^\d+$/u.test(id)) return name
  }
  return undefined
}

/** What the event log says of the caller: `--by` (or the CLI's default) and the OS account the kernel names, within `max` characters. */
export function callerName(given: string | undefined, peer: PeerIdentity, max = 128): string {
  const os = peer.known ? `[OS user ${peer.user ?? 'without a name'} (uid ${peer.uid})]` : `[OS user unknown: ${peer.why}]`
  const suffix = ` ${os.slice(0, max - 2)}`
  const name = (given ?? 'local operator').slice(0, Math.max(1, max - suffix.length))
  return `${name}${suffix}`.slice(0, max)
}

const fdOf = (socket: Socket): number | undefined => {
  const fd = (socket as unknown as { _handle?: { fd?: unknown } })._handle?.fd
  return typeof fd === 'number' && fd >= 0 ? fd : undefined
}

/** The kernel's credentials of the process at the other end of an accepted unix socket. Never throws. */
export async function peerIdentity(socket: Socket): Promise<PeerIdentity> {
  if (process.platform !== 'linux') return { known: false, why: `peer credentials are not read on ${process.platform}` }
  const fd = fdOf(socket)
  if (fd === undefined) return { known: false, why: 'the connection has no file descriptor' }
  let text: string
  try {
    text = await runPerl(fd)
  } catch (error) {
    return { known: false, why: error instanceof Error ? error.message : String(error) }
  }
  const credentials = parsePeerCredentials(text)
  if (!credentials) return { known: false, why: 'SO_PEERCRED gave no answer' }
  let passwd = ''
  try {
    passwd = await readFile('/etc/passwd', 'utf8')
  } catch {
    // the uid alone is still recorded
  }
  return { known: true, pid: credentials.pid, uid: credentials.uid, user: userNameOf(credentials.uid, passwd) }
}

function runPerl(fd: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let child
    try {
      // the descriptor is duplicated into the child as its fd 3 at spawn; the connection stays ours
      child = spawn('perl', ['-e', PEERCRED_SCRIPT], { stdio: ['ignore', 'pipe', 'ignore', fd] })
    } catch (error) {
      reject(error instanceof Error ? error : new Error(String(error)))
      return
    }
    let out = ''
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error('SO_PEERCRED lookup timed out'))
    }, LOOKUP_TIMEOUT_MS)
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => { out += chunk.slice(0, 100) })
    child.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer)
      reject(new Error(error.code === 'ENOENT' ? 'perl is not installed to read SO_PEERCRED' : `SO_PEERCRED lookup failed: ${error.message}`))
    })
    child.once('close', (code) => {
      clearTimeout(timer)
      if (code === 0) resolve(out)
      else reject(new Error(`SO_PEERCRED lookup failed (perl exit ${String(code)})`))
    })
  })
}
