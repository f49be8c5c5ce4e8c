import { appendFileSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir, userInfo } from 'node:os'
import { join } from 'node:path'
import { Command, CommanderError } from 'commander'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import {
  ackArgs, bypassRequest, formatSafetyStatus, localTime, operatorName, registerOperatorCommands, resetArgs,
} from '../../../edge-agent/src/cli/operator.ts'
import { RuntimeError, UsageError } from '../../../protocols/cli/index.ts'
import { loadConfigFile } from '../../../edge-agent/src/config/index.ts'
import { ControlServer, controlSocketPath, type ControlOutcome } from '../../../edge-agent/src/control/index.ts'
import type { SafetyStatus } from '../../../edge-agent/src/safety/status.ts'
import type { CommandName } from '../../../protocols/mqtt/index.ts'
import { tcpBus, writeGatewayConfig } from '../../support/gateway-config.ts'

const T0 = Date.UTC(2026, 10, 29, 6, 5, 9) // 14:05:09 in Asia/Shanghai

const SAMPLE: SafetyStatus = {
  alarms: [
    { device: 'ch4-t1', channel: 'ch4', kind: 'level', level: 'alarm', since: T0, value: 1.52, unit: '%CH4', latched: true, acknowledged: false },
    { device: 'fan-1', channel: 'running', kind: 'interlock-failed', level: 'alarm', since: T0 + 61_000, value: false, latched: true, acknowledged: true, interlock: 'ch4-power-cut' },
    { device: 'co-2', channel: 'co', kind: 'sensor-fault', level: 'fault', since: T0 + 3_600_000, value: null, latched: false, acknowledged: false },
  ],
  interlocks: [
    { id: 'ch4-power-cut', state: 'tripped', output: 'confirmed', since: T0, cause: 'ch4-t1/ch4 1.52 %CH4 ≥ 1.5', awaitingReset: true },
    { id: 'fan-start', state: 'normal', output: 'idle', awaitingReset: false, bypass: { until: T0 + 30 * 60_000, reason: 'calibration with 2 % CH4 test gas', by: 'li.wei' } },
  ],
}

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

describe('operator commands over the control socket', () => {
  let dir: string
  let file: string
  let path: string
  let server: ControlServer | undefined
  const calls: { command: CommandName; args: unknown }[] = []
  let answer: (command: CommandName) => ControlOutcome = () => ({ ok: true })

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ctl-cli-'))
    file = writeGatewayConfig(dir, {
      buses: [tcpBus('plc', 1502)],
      devices: [{ id: 'cl2-1', bus: 'plc', unit: 1, profile: 'generic-gq-cl2-net-chlorine' }],
    })
    appendFileSync(file, 'buffer:\n  path: data/outbox.sqlite\n')
    path = controlSocketPath(loadConfigFile(file))
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))
  afterEach(async () => {
    await server?.stop()
    server = undefined
    calls.length = 0
    vi.restoreAllMocks()
  })

  const startAgent = async () => {
    server = new ControlServer({
      path, logger: { info: () => {}, warn: () => {} },
      handler: async (command, args) => {
        calls.push({ command, args })
        return answer(command)
      },
    })
    await server.start()
  }

  /** `edge-agent ...args` through commander; returns what it printed, or throws what the action threw. */
  const cli = async (...args: string[]): Promise<string> => {
    const program = new Command('edge-agent').exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} })
    registerOperatorCommands(program)
    const printed: string[] = []
    vi.spyOn(console, 'log').mockImplementation((text: unknown) => { printed.push(String(text)) })
    await program.parseAsync(['node', 'edge-agent', ...args])
    return printed.join('\n')
  }

  it('puts the socket next to the configured outbox', () => {
    expect(path).toBe(join(dir, 'data', 'control.sock'))
  })

  it('ack, reset, bypass and end-bypass reach the agent and print its message or a confirmation', async () => {
    await startAgent()
    answer = (command) => (command === 'reset-interlock' ? { ok: true, message: 'interlock fan reset; output restored' } : { ok: true })
    expect(await cli('ack', '--config', file, '--device', 'ch4-t1', '--channel', 'ch4', '--kind', 'level', '--by', 'alice'))
      .toBe('acknowledged level alarms of ch4-t1/ch4 (by alice)')
    expect(await cli('ack', '--config', file, '--all', '--by', 'alice')).toBe('acknowledged every alarm (by alice)')
    expect(await cli('reset', '--config', file, '--interlock', 'fan')).toBe('interlock fan reset; output restored')
    expect(await cli('bypass', '--config', file, '--interlock', 'fan', '--reason', 'calibration', '--minutes', '45', '--by', 'bob'))
      .toBe('interlock fan bypassed for 45 min (by bob)')
    expect(await cli('bypass', '--config', file, '--interlock', 'fan', '--end', '--by', 'bob')).toBe('bypass of interlock fan ended (by bob)')
    expect(calls).toEqual([
      { command: 'ack-alarm', args: { device: 'ch4-t1', channel: 'ch4', kind: 'level', by: 'alice' } },
      { command: 'ack-alarm', args: { all: true, by: 'alice' } },
      { command: 'reset-interlock', args: { interlock: 'fan', by: userInfo().username } },
      { command: 'bypass-interlock', args: { interlock: 'fan', reason: 'calibration', minutes: 45, by: 'bob' } },
      { command: 'end-bypass', args: { interlock: 'fan', by: 'bob' } },
    ])
  })

  it('alarms prints the tables, or the raw status with --json', async () => {
    await startAgent()
    answer = () => ({ ok: true, data: SAMPLE })
    const text = await cli('alarms', '--config', file)
    expect(text).toMatch(/^active alarms: 3 \(2 unacknowledged\)\n {2}DEVICE\/CHANNEL/u)
    expect(text).toContain('interlocks: 2 (1 tripped, 1 bypassed)')
    expect(JSON.parse(await cli('alarms', '--config', file, '--json'))).toEqual(SAMPLE)
    answer = () => ({ ok: true, data: { nope: 1 } })
    await expect(cli('alarms', '--config', file)).rejects.toThrow(RuntimeError)
  })

  it('an ok:false reply is a RuntimeError with the agent\'s message', async () => {
    await startAgent()
    answer = () => ({ ok: false, message: 'interlock fan is still tripped: ch4-t1/ch4 1.52 %CH4 ≥ 1.5' })
    const error = await cli('reset', '--config', file, '--interlock', 'fan').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(RuntimeError)
    expect((error as Error).message).toBe('interlock fan is still tripped: ch4-t1/ch4 1.52 %CH4 ≥ 1.5')
  })

  it('no agent running is a RuntimeError naming the socket', async () => {
    const error = await cli('alarms', '--config', file).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(RuntimeError)
    expect((error as Error).message).toBe(`no agent is running for this config (control socket ${path})`)
  })

  it('argument mistakes are UsageErrors before anything is sent; missing options are commander errors', async () => {
    await startAgent()
    await expect(cli('bypass', '--config', file, '--interlock', 'fan', '--reason', 'calibration', '--minutes', '99999')).rejects.toThrow(UsageError)
    await expect(cli('ack', '--config', file, '--all', '--device', 'd')).rejects.toThrow(UsageError)
    await expect(cli('bypass', '--config', file, '--interlock', 'fan', '--end', '--reason', 'x')).rejects.toThrow(UsageError)
    await expect(cli('reset', '--config', file)).rejects.toThrow(CommanderError)
    await expect(cli('ack', '--all')).rejects.toThrow(CommanderError)
    expect(calls).toEqual([])
  })
})
