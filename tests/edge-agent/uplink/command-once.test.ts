/**
 * Fleet commands name their issuer and run once (issue 15, hole 9): the dispatcher in front of a real
 * safety service and a real outbox file; the MQTT client is left out (the dispatcher gets the topic and
 * payload an MQTT message would carry).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pino from 'pino'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { InterlockSpec } from '../../../edge-agent/src/interlocks/spec.ts'
import { Outbox } from '../../../edge-agent/src/outbox/index.ts'
import { SafetyService } from '../../../edge-agent/src/safety/service.ts'
import { CommandDispatcher, issuedArgs, runningOnce } from '../../../edge-agent/src/uplink/commands.ts'
import type { CommandResult } from '../../../protocols/mqtt/index.ts'

const GATEWAY = 'gw-1'
const TOPIC = `fleet/v1/mine-7/${GATEWAY}/cmd/bypass-interlock`
const INTERLOCK: InterlockSpec = {
  id: 'cut', mode: 'any',
  conditions: [{ kind: 'value', device: 'ch4', channel: 'ch4', op: 'above', value: 1.5 }],
  action: { device: 'relay', channel: 'cut_1', value: true, restoreValue: false, feedback: { device: 'relay', channel: 'feed_1', whenTripped: false, whenRestored: true }, feedbackMs: 2000 },
  failSafe: true, silentAfterMs: 60_000, restoreAfterMs: 0, manualReset: true, maxBypassMs: 3_600_000,
}
const silent = pino({ level: 'silent' })

let dir: string
let now: number
let outbox: Outbox
let safety: SafetyService
let results: CommandResult[]
let handled: number

function open(): CommandDispatcher {
  outbox = new Outbox({ path: join(dir, 'outbox.sqlite'), clock: () => now })
  safety = new SafetyService({ alarms: [], interlocks: [INTERLOCK], calibrations: [], daily: [] }, {
    store: outbox, outputs: { write: async () => {}, pollSoon: () => {} }, logger: silent, timeZone: 'UTC', clock: () => now, tickMs: 60_000,
  })
  safety.start()
  const dispatcher = new CommandDispatcher({ gateway: GATEWAY, clock: () => now, logger: silent, reply: (r) => results.push(r) })
  // as the agent wires it (agent.ts)
  dispatcher.handler = runningOnce(async (name, command) => {
    handled++
    return safety.handleCommand(name, issuedArgs(command))
  }, outbox, () => now)
  return dispatcher
}

function close(): void {
  safety.stop()
  outbox.close()
}

const bypassCommand = (id: string, fields: Record<string, unknown> = { by: 'li.wei' }) =>
  Buffer.from(JSON.stringify({ v: 1, id, ts: now, ...fields, args: { interlock: 'cut', reason: 'calibration of ch4', minutes: 30 } }))

const bypassEvents = () => outbox.nextEvents(0, 1000).filter((e) => e.type === 'interlock' && e.state === 'bypassed')

async function answered(count: number): Promise<void> {
  for (let i = 0; i < 100 && results.length < count; i++) await new Promise((r) => setImmediate(r))
  expect(results).toHaveLength(count)
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cmd-once-'))
  now = Date.parse('2026-01-03T02:00:00Z')
  results = []
  handled = 0
})
afterEach(() => {
  close()
  rmSync(dir, { recursive: true, force: true })
})

describe('fleet commands: who and once', () => {
  it('cmd/bypass-interlock without `by` is refused with a cmd-result error; no bypass, nothing recorded', async () => {
    const dispatcher = open()
    dispatcher.dispatch(TOPIC, bypassCommand('c-1', {}), false)
    await answered(1)
    expect(results[0]).toMatchObject({ id: 'c-1', ok: false, message: expect.stringContaining('by') })
    expect(handled).toBe(0)
    expect(safety.status().interlocks[0]!.bypass).toBeUndefined()
    expect(bypassEvents()).toEqual([])
    // the id was not used up: the same command sent properly afterwards runs
    dispatcher.dispatch(TOPIC, bypassCommand('c-1'), false)
    await answered(2)
    expect(results[1]).toMatchObject({ id: 'c-1', ok: true })
  })

  it('the envelope\'s `by` is the one recorded, whatever the args say', async () => {
    const dispatcher = open()
    const payload = JSON.stringify({ v: 1, id: 'c-2', ts: now, by: 'li.wei', args: { interlock: 'cut', reason: 'calibration of ch4', minutes: 30, by: 'admin' } })
    dispatcher.dispatch(TOPIC, Buffer.from(payload), false)
    await answered(1)
    expect(bypassEvents().map((e) => (e as { by?: string }).by)).toEqual(['li.wei'])
  })

  it('the same command id sent twice runs once; the repeat is answered with the first result', async () => {
    const dispatcher = open()
    dispatcher.dispatch(TOPIC, bypassCommand('c-3'), false)
    await answered(1)
    now += 60_000
    dispatcher.dispatch(TOPIC, bypassCommand('c-3'), false)
    await answered(2)
    expect(handled).toBe(1)
    expect(bypassEvents()).toHaveLength(1)
    expect(results[1]).toMatchObject({ id: 'c-3', ok: results[0]!.ok, message: results[0]!.message })
  })

  it('a command id is remembered across a restart of the agent', async () => {
    let dispatcher = open()
    dispatcher.dispatch(TOPIC, bypassCommand('c-4'), false)
    await answered(1)
    close()
    now += 60_000
    dispatcher = open()
    dispatcher.dispatch(TOPIC, bypassCommand('c-4'), false)
    await answered(2)
    expect(handled).toBe(1)
    expect(bypassEvents()).toHaveLength(1)
    expect(results[1]).toMatchObject({ id: 'c-4', ok: true, message: results[0]!.message })
  })
})
