import { appendFileSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir, userInfo } from 'node:os'
import { join } from 'node:path'
import { Command, CommanderError } from 'commander'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { registerOperatorCommands } from '../../../edge-agent/src/cli/operator.ts'
import { RuntimeError, UsageError } from '../../../protocols/cli/index.ts'
import { loadConfigFile } from '../../../edge-agent/src/config/index.ts'
import { ControlServer, controlSocketPath, type ControlOutcome } from '../../../edge-agent/src/control/index.ts'
import type { CommandName } from '../../../protocols/mqtt/index.ts'
import { tcpBus, writeGatewayConfig } from '../../support/gateway-config.ts'
import { SAMPLE } from '../cli/safety-status-sample.ts'

describe('operator commands over the control socket', () => {
  let dir: string
  let file: string
  let path: string
  let server: ControlServer | undefined
  const calls: { command: string; args: unknown }[] = []
  let answer: (command: string) => ControlOutcome = () => ({ ok: true })

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
    // the agent records the caller's OS account (the kernel's word) beside --by
    const os = `[OS user ${userInfo().username} (uid ${userInfo().uid})]`
    expect(calls).toEqual([
      { command: 'ack-alarm', args: { device: 'ch4-t1', channel: 'ch4', kind: 'level', by: `alice ${os}` } },
      { command: 'ack-alarm', args: { all: true, by: `alice ${os}` } },
      { command: 'reset-interlock', args: { interlock: 'fan', by: `${userInfo().username} ${os}` } },
      { command: 'bypass-interlock', args: { interlock: 'fan', reason: 'calibration', minutes: 45, by: `bob ${os}` } },
      { command: 'end-bypass', args: { interlock: 'fan', by: `bob ${os}` } },
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
