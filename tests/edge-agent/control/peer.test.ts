/** The pure half of the control socket's peer credentials: perl's answer read, a uid named, the caller described. */
import { describe, expect, it } from 'vitest'
import { callerName, parsePeerCredentials, userNameOf } from '../../../edge-agent/src/control/peer.ts'

const PASSWD = 'root:x:0:0:root:/root:/bin/bash\nops:x:1000:1000:Ops,,,:/home/ops:/bin/bash\nbroken-line\nodd:x:10a:1:::\n'

describe('peer credentials', () => {
  it('reads perl\'s "pid uid gid" line, and nothing else', () => {
    expect(parsePeerCredentials('4242 1000 1000\n')).toEqual({ pid: 4242, uid: 1000, gid: 1000 })
    expect(parsePeerCredentials('')).toBeUndefined()
    expect(parsePeerCredentials('4242 -1 0\n')).toBeUndefined()
    expect(parsePeerCredentials('4242 1000\n')).toBeUndefined()
  })

  it('names a uid from /etc/passwd; an unknown uid has no name', () => {
    expect(userNameOf(0, PASSWD)).toBe('root')
    expect(userNameOf(1000, PASSWD)).toBe('ops')
    expect(userNameOf(10, PASSWD)).toBeUndefined()
    expect(userNameOf(4711, PASSWD)).toBeUndefined()
  })

  it('records the name given and the OS account beside it, within 128 characters', () => {
    const peer = { known: true as const, pid: 1, uid: 1000, user: 'ops' }
    expect(callerName('someone (forged)', peer)).toBe('someone (forged) [OS user ops (uid 1000)]')
    expect(callerName(undefined, peer)).toBe('local operator [OS user ops (uid 1000)]')
    expect(callerName('x', { known: true, pid: 1, uid: 4711, user: undefined })).toBe('x [OS user without a name (uid 4711)]')
    const long = callerName('n'.repeat(128), peer)
    expect(long).toHaveLength(128)
    expect(long.endsWith(' [OS user ops (uid 1000)]')).toBe(true)
  })

  it('says so when the account could not be read, never leaving it out', () => {
    expect(callerName('ops', { known: false, why: 'perl is not installed to read SO_PEERCRED' })).toBe('ops [OS user unknown: perl is not installed to read SO_PEERCRED]')
    expect(callerName('n'.repeat(128), { known: false, why: 'w'.repeat(300) })).toHaveLength(128)
  })
})
