import { userInfo } from 'node:os'
import { describe, expect, it } from 'vitest'
import { ackArgs, bypassRequest, formatSafetyStatus, localTime, operatorName, resetArgs } from '../../../edge-agent/src/cli/operator.ts'
import { UsageError } from '../../../protocols/cli/index.ts'
import { SAMPLE, T0 } from './safety-status-sample.ts'

// The operator commands' arguments and output, without an agent (over the socket: tests/edge-agent/control/operator.test.ts).

describe('edge-agent alarms: formatting', () => {
  it('prints alarms and interlocks as aligned tables in local time', () => {
    const tz = process.env.TZ
    process.env.TZ = 'Asia/Shanghai'
    try {
      expect(localTime(T0)).toBe('2026-11-29 14:05:09')
      expect(formatSafetyStatus(SAMPLE)).toBe([
        'active alarms: 3 (2 unacknowledged)',
        '  DEVICE/CHANNEL  KIND                              LEVEL  SINCE                VALUE      STATE',
        '  ch4-t1/ch4      level                             alarm  2026-11-29 14:05:09  1.52 %CH4  unacknowledged, latched',
        '  fan-1/running   interlock-failed (ch4-power-cut)  alarm  2026-11-29 14:06:10  false      acknowledged, latched',
        '  co-2/co         sensor-fault                      fault  2026-11-29 15:05:09  -          unacknowledged',
        '',
        'interlocks: 2 (1 tripped, 1 bypassed)',
        '  ID             STATE    OUTPUT     RESET           CAUSE                       BYPASS',
        '  ch4-power-cut  tripped  confirmed  awaiting reset  ch4-t1/ch4 1.52 %CH4 ≥ 1.5  -',
        '  fan-start      normal   idle       -               -                           until 2026-11-29 14:35:09 by li.wei: calibration with 2 % CH4 test gas',
      ].join('\n'))
    } finally {
      if (tz === undefined) delete process.env.TZ
      else process.env.TZ = tz
    }
  })

  it('says when there is nothing to show', () => {
    expect(formatSafetyStatus({ alarms: [], interlocks: [] })).toBe('active alarms: none\n\ninterlocks: none configured')
  })
})

describe('operator arguments', () => {
  const me = userInfo().username

  it('builds ack args for one channel, one kind, or all; --by defaults to the OS user', () => {
    expect(ackArgs({ device: 'd', channel: 'c' })).toEqual({ device: 'd', channel: 'c', by: me })
    expect(ackArgs({ device: 'd', channel: 'c', kind: 'flatline', by: 'alice' })).toEqual({ device: 'd', channel: 'c', kind: 'flatline', by: 'alice' })
    expect(ackArgs({ all: true })).toEqual({ all: true, by: me })
    expect(operatorName(undefined)).toBe(me)
  })

  it('refuses ack argument mistakes with a UsageError', () => {
    const cases: [Parameters<typeof ackArgs>[0], RegExp][] = [
      [{}, /--device ID --channel ID \[--kind KIND\], or --all/u],
      [{ all: true, device: 'd' }, /do not combine it with --device/u],
      [{ all: true, kind: 'level' }, /do not combine/u],
      [{ device: 'd' }, /--device needs --channel/u],
      [{ channel: 'c' }, /--channel needs --device/u],
      [{ device: 'd', channel: 'c', kind: 'loud' }, /--kind must be one of level, rate-of-rise, .*got "loud"/u],
      [{ all: true, by: ' ' }, /--by must be 1 to 128 characters/u],
    ]
    for (const [options, message] of cases) {
      expect(() => ackArgs(options), JSON.stringify(options)).toThrow(UsageError)
      expect(() => ackArgs(options)).toThrow(message)
    }
  })

  it('builds bypass and end-bypass requests and refuses mistakes', () => {
    expect(bypassRequest({ interlock: 'fan', reason: 'calibration', minutes: '30', by: 'bob' }))
      .toEqual({ command: 'bypass-interlock', args: { interlock: 'fan', reason: 'calibration', minutes: 30, by: 'bob' } })
    expect(bypassRequest({ interlock: 'fan', end: true, by: 'bob' })).toEqual({ command: 'end-bypass', args: { interlock: 'fan', by: 'bob' } })
    const cases: [Parameters<typeof bypassRequest>[0], RegExp][] = [
      [{ interlock: 'fan', reason: 'calibration', minutes: '0' }, /--minutes must be a whole number from 1 to 10080, got "0"/u],
      [{ interlock: 'fan', reason: 'calibration', minutes: '10081' }, /--minutes must be a whole number from 1 to 10080/u],
      [{ interlock: 'fan', reason: 'calibration', minutes: '2.5' }, /--minutes must be a whole number/u],
      [{ interlock: 'fan', reason: 'calibration', minutes: 'ten' }, /--minutes must be a whole number/u],
      [{ interlock: 'fan', reason: 'calibration' }, /needs --reason TEXT and --minutes N/u],
      [{ interlock: 'fan', minutes: '5' }, /needs --reason TEXT and --minutes N/u],
      [{ interlock: 'fan', reason: 'ok', minutes: '5' }, /--reason must be 3 to 500 characters/u],
      [{ interlock: 'fan', end: true, reason: 'done' }, /--end ends the bypass now; do not combine it with --reason or --minutes/u],
      [{ interlock: '', end: true }, /--interlock must be 1 to 128 characters/u],
    ]
    for (const [options, message] of cases) {
      expect(() => bypassRequest(options), JSON.stringify(options)).toThrow(UsageError)
      expect(() => bypassRequest(options)).toThrow(message)
    }
    expect(resetArgs({ interlock: 'fan' })).toEqual({ interlock: 'fan', by: me })
  })
})
