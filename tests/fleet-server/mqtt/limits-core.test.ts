import { describe, expect, it } from 'vitest'
import { ConnectionCounts } from '../../../fleet-server/src/mqtt/connection-counts.ts'
import { PacketMeter } from '../../../fleet-server/src/mqtt/packet-meter.ts'
import { SignInThrottle } from '../../../fleet-server/src/mqtt/sign-in-throttle.ts'

const header = (type: number, length: number): Buffer => {
  const bytes = [type]
  do {
    let byte = length % 128
    length = Math.floor(length / 128)
    if (length > 0) byte |= 0x80
    bytes.push(byte)
  } while (length > 0)
  return Buffer.from(bytes)
}

describe('PacketMeter', () => {
  it('refuses a packet by its announced length, before its body', () => {
    const meter = new PacketMeter({ maxPacketBytes: 1000, preAuthMaxBytes: 100 })
    expect(meter.feed(header(0x10, 268_435_455))).toMatch(/announced a packet of 268435460 bytes; the limit is 100/)
  })

  it('allows a signed-in client packets up to maxPacketBytes, split anywhere', () => {
    const meter = new PacketMeter({ maxPacketBytes: 1000, preAuthMaxBytes: 100 })
    expect(meter.feed(Buffer.concat([header(0x10, 20), Buffer.alloc(20)]))).toBeUndefined()
    meter.markSignedIn()
    const packet = Buffer.concat([header(0x30, 997), Buffer.alloc(997)])
    expect(packet.length).toBe(1000)
    for (let i = 0; i < packet.length; i += 7) expect(meter.feed(packet.subarray(i, i + 7))).toBeUndefined()
    expect(meter.feed(header(0x30, 998))).toMatch(/1001 bytes/)
  })

  it('counts everything sent before signing in, however small the packets', () => {
    const meter = new PacketMeter({ maxPacketBytes: 1000, preAuthMaxBytes: 100 })
    const pings = Buffer.alloc(50)
    for (let i = 0; i < pings.length; i += 2) pings[i] = 0xc0
    expect(meter.feed(pings)).toBeUndefined()
    expect(meter.feed(pings)).toBeUndefined()
    expect(meter.feed(Buffer.from([0xc0]))).toMatch(/more than 100 bytes before signing in/)
  })

  it('refuses a remaining length of more than 4 bytes', () => {
    const meter = new PacketMeter({ maxPacketBytes: 1 << 30, preAuthMaxBytes: 1 << 30 })
    expect(meter.feed(Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01]))).toMatch(/malformed/)
  })
})

describe('ConnectionCounts', () => {
  it('caps per address and in all, and lets in again once released', () => {
    const counts = new ConnectionCounts({ maxConnections: 3, maxConnectionsPerAddress: 2 })
    expect(counts.admit('a')).toBeUndefined()
    expect(counts.admit('a')).toBeUndefined()
    expect(counts.admit('a')).toMatch(/a holds its maximum of 2/)
    expect(counts.admit('b')).toBeUndefined()
    expect(counts.admit('c')).toMatch(/maximum of 3 connections/)
    counts.release('a')
    expect(counts.admit('c')).toBeUndefined()
    counts.release('nobody')
    expect(counts.open).toBe(3)
  })
})

describe('SignInThrottle (on a fake clock)', () => {
  const policy = { freeFailures: 2, firstDelayMs: 1000, lockAfterFailures: 5, lockMs: 60_000, forgetAfterMs: 600_000 }
  const fail = (t: SignInThrottle, user: string, address: string, now: number) => {
    const attempt = t.begin(user, address, now)
    if (!attempt.allowed) return attempt.retryAfterMs
    attempt.end(false, now)
    return 0
  }

  it('lets the free failures through, then doubles the delay, then locks; the right password waits too', () => {
    const t = new SignInThrottle({ perUser: policy, perAddress: { ...policy, freeFailures: 100, lockAfterFailures: 1000 } })
    let now = 0
    expect(fail(t, 'u', 'a', now)).toBe(0)
    expect(fail(t, 'u', 'a', now)).toBe(0)
    expect(fail(t, 'u', 'a', now)).toBe(1000)
    now += 1000
    expect(fail(t, 'u', 'a', now)).toBe(0) // 3rd failure
    expect(fail(t, 'u', 'a', now + 1999)).toBe(1)
    now += 2000
    expect(fail(t, 'u', 'a', now)).toBe(0) // 4th
    now += 4000
    expect(fail(t, 'u', 'a', now)).toBe(0) // 5th: locked
    const locked = t.begin('u', 'a', now + 30_000)
    expect(locked).toEqual({ allowed: false, retryAfterMs: 30_000 })
    // another user from the same address is not locked by u's failures
    expect(t.begin('v', 'a', now).allowed).toBe(true)
    const after = t.begin('u', 'a', now + 60_000)
    expect(after.allowed).toBe(true)
    if (after.allowed) after.end(true, now + 60_000)
    // a success forgets the user's failures
    expect(fail(t, 'u', 'a', now + 60_000)).toBe(0)
    expect(fail(t, 'u', 'a', now + 60_000)).toBe(0)
  })

  it('counts attempts in flight, so a parallel burst gets only the free ones checked', () => {
    const t = new SignInThrottle({ perUser: { ...policy, freeFailures: 100 }, perAddress: { ...policy, freeFailures: 3 } })
    const burst = Array.from({ length: 10 }, (_, i) => t.begin(`user-${i}`, 'a', 0))
    expect(burst.filter((a) => a.allowed)).toHaveLength(3)
  })

  it('forgets failures after forgetAfterMs', () => {
    const t = new SignInThrottle({ perUser: policy, perAddress: policy })
    for (let i = 0; i < 2; i++) fail(t, 'u', 'a', 0)
    expect(t.begin('u', 'a', 1).allowed).toBe(false)
    expect(t.begin('u', 'a', 600_000).allowed).toBe(true)
  })
})
