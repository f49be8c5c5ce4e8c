import { describe, expect, it } from 'vitest'
import { backoffDelayMs, describeConnectionFailure } from '../../../edge-agent/src/uplink/index.ts'

const target = { host: '127.0.0.1', port: 1883 }
const errno = (code: string, extra: object = {}) => Object.assign(new Error(`connect ${code}`), { code, ...extra })
const refused = (code: number) => Object.assign(new Error('Connection refused'), { code })

describe('backoffDelayMs', () => {
  it('doubles from minMs to maxMs, ±20 %', () => {
    const mid = () => 0.5
    expect([0, 1, 2, 3, 4, 5, 6, 20, 5000].map((a) => backoffDelayMs(a, { minMs: 1000, maxMs: 30_000 }, mid))).toEqual([1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000, 30_000])
    expect(backoffDelayMs(2, { minMs: 1000, maxMs: 30_000 }, () => 0)).toBe(3200)
    expect(backoffDelayMs(2, { minMs: 1000, maxMs: 30_000 }, () => 1)).toBe(4800)
  })
})

describe('describeConnectionFailure', () => {
  it('names the class of each failure in one line', () => {
    expect(describeConnectionFailure(refused(134), target, 10_000)).toBe('connection refused: bad user name or password (reason 134)')
    expect(describeConnectionFailure(refused(135), target, 10_000)).toBe('connection refused: bad user name or password, or not authorized (reason 135)')
    expect(describeConnectionFailure(refused(138), target, 10_000)).toBe('connection refused: banned (reason 138)')
    expect(describeConnectionFailure(errno('ECONNREFUSED', { address: '127.0.0.1', port: 1883 }), target, 10_000)).toBe('broker unreachable: ECONNREFUSED 127.0.0.1:1883')
    expect(describeConnectionFailure(errno('ENOTFOUND'), { host: 'fleet.example', port: 8883 }, 10_000)).toBe('broker unreachable: ENOTFOUND fleet.example:8883')
    expect(describeConnectionFailure(errno('DEPTH_ZERO_SELF_SIGNED_CERT'), target, 10_000)).toMatch(/^TLS failure with 127\.0\.0\.1:1883: DEPTH_ZERO_SELF_SIGNED_CERT/)
    expect(describeConnectionFailure(new Error('connack timeout'), target, 10_000)).toBe('broker 127.0.0.1:1883 did not answer CONNECT within 10000 ms')
    expect(describeConnectionFailure(new Error('something else'), target, 10_000)).toBe('connection failed: something else')
  })
})
