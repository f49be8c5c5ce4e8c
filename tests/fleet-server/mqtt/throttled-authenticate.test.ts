import type { AedesOptions, Client } from 'aedes'
import { describe, expect, it } from 'vitest'
import { silentLogger } from '../../../fleet-server/src/ingest/ingest.ts'
import { throttledAuthenticate } from '../../../fleet-server/src/mqtt/connection-limits.ts'
import { SignInThrottle } from '../../../fleet-server/src/mqtt/sign-in-throttle.ts'

type Authenticate = NonNullable<AedesOptions['authenticate']>
const POLICY = { freeFailures: 2, firstDelayMs: 1000, lockAfterFailures: 2, lockMs: 60_000, forgetAfterMs: 600_000 }
const client = { conn: { remoteAddress: '10.0.0.9' } } as unknown as Client

describe('throttledAuthenticate (fake clients, fake clock)', () => {
  it('refuses with code 3 once the user failed too often, without asking the inner check; the exempt server user always reaches it', async () => {
    const now = { value: 0 }
    const asked: string[] = []
    // the inner check: only "server" with "secret" signs in
    const inner: Authenticate = (_client, username, password, done) => {
      asked.push(username!)
      if (username === 'server' && password?.toString() === 'secret') done(null, true)
      else done(Object.assign(new Error('bad user name or password'), { returnCode: 4 as const }), null)
    }
    const authenticate = throttledAuthenticate({ throttle: new SignInThrottle({ perUser: POLICY, perAddress: POLICY }), clock: () => now.value, logger: silentLogger, exempt: (u) => u === 'server' }, inner)
    const signIn = (username: string, password: string) => new Promise<number>((resolve) => {
      authenticate(client, username, Buffer.from(password), (error) => resolve(error ? error.returnCode : 0))
    })
    expect(await signIn('gw', 'a')).toBe(4)
    expect(await signIn('gw', 'b')).toBe(4)
    expect(await signIn('gw', 'c')).toBe(3)
    expect(asked).toEqual(['gw', 'gw'])
    // the address is locked too, but not for the server's own client
    expect(await signIn('other', 'x')).toBe(3)
    expect(await signIn('server', 'secret')).toBe(0)
    now.value += 60_000
    expect(await signIn('gw', 'd')).toBe(4)
  })

  it('failures of a gateway name from one address do not lock that name out from another (no lock-out by someone who read it in a topic)', async () => {
    const perAddress = { ...POLICY, freeFailures: 100, lockAfterFailures: 100 }
    const inner: Authenticate = (_client, username, password, done) => {
      if (username === 'gw' && password?.toString() === 'secret') done(null, true)
      else done(Object.assign(new Error('bad user name or password'), { returnCode: 4 as const }), null)
    }
    const authenticate = throttledAuthenticate({ throttle: new SignInThrottle({ perUser: POLICY, perAddress }), clock: () => 0, logger: silentLogger, exempt: () => false }, inner)
    const signIn = (from: string, password: string) => new Promise<number>((resolve) => {
      authenticate({ conn: { remoteAddress: from } } as unknown as Client, 'gw', Buffer.from(password), (error) => resolve(error ? error.returnCode : 0))
    })
    for (const guess of ['a', 'b']) expect(await signIn('203.0.113.7', guess)).toBe(4)
    expect(await signIn('203.0.113.7', 'c')).toBe(3)
    expect(await signIn('10.0.0.9', 'secret')).toBe(0)
  })
})
