/**
 * A bypass cannot be stretched past the interlock's maxBypassMinutes from its start by repeating it
 * (issue 15, hole 9): the safety service on a real outbox file, commands as the operator sends them.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pino from 'pino'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { InterlockSpec } from '../../../edge-agent/src/interlocks/spec.ts'
import { Outbox } from '../../../edge-agent/src/outbox/index.ts'
import { SafetyService } from '../../../edge-agent/src/safety/service.ts'
import type { InterlockEvent } from '../../../protocols/mqtt/index.ts'

const MAX_MS = 60 * 60_000
const INTERLOCK: InterlockSpec = {
  id: 'cut', mode: 'any',
  conditions: [{ kind: 'value', device: 'ch4', channel: 'ch4', op: 'above', value: 1.5 }],
  action: { device: 'relay', channel: 'cut_1', value: true, restoreValue: false, feedback: { device: 'relay', channel: 'feed_1', whenTripped: false, whenRestored: true }, feedbackMs: 2000 },
  failSafe: true, silentAfterMs: 3_600_000, restoreAfterMs: 0, manualReset: true, maxBypassMs: MAX_MS,
}

let dir: string
let now: number
let outbox: Outbox
let safety: SafetyService

function open(): void {
  outbox = new Outbox({ path: join(dir, 'outbox.sqlite'), clock: () => now })
  safety = new SafetyService({ alarms: [], interlocks: [INTERLOCK], calibrations: [], daily: [] }, {
    store: outbox, outputs: { write: async () => {}, pollSoon: () => {} }, logger: pino({ level: 'silent' }), timeZone: 'UTC', clock: () => now, tickMs: 3_600_000,
  })
  safety.start()
}
const bypass = (minutes: number, reason = 'calibration of ch4') => safety.handleCommand('bypass-interlock', { interlock: 'cut', reason, minutes, by: 'li.wei' })
const bypassed = () => outbox.nextEvents(0, 1000).filter((e): e is InterlockEvent => e.type === 'interlock' && e.state === 'bypassed')
const until = () => safety.status().interlocks[0]!.bypass?.until

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'bypass-limit-'))
  now = Date.parse('2026-01-03T02:00:00Z')
  open()
})
afterEach(() => {
  safety.stop()
  outbox.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('bypass: at most maxBypassMinutes from its start', () => {
  it('a repeated bypass with the same reason is capped at start + maxBypassMinutes, and its event says so', async () => {
    const start = now
    expect(await bypass(50)).toMatchObject({ ok: true })
    now += 40 * 60_000
    const answer = await bypass(50)
    expect(until()).toBe(start + MAX_MS)
    expect(answer.message).toContain('capped')
    const events = bypassed()
    expect(events).toHaveLength(2)
    expect(events[1]!.until).toBe(start + MAX_MS)
    expect(events[1]!.reason).toMatch(/capped at 60 min from its start/u)
  })

  it('once the cap is reached, a repeat with the same reason is refused with no new event', async () => {
    const start = now
    expect(await bypass(60)).toMatchObject({ ok: true })
    for (let i = 0; i < 5; i++) {
      now += 50 * 60_000 / 5
      expect(await bypass(60)).toMatchObject({ ok: false, message: expect.stringContaining('new reason') })
    }
    expect(until()).toBe(start + MAX_MS)
    expect(bypassed()).toHaveLength(1)
  })

  it('the cap holds across a restart of the agent', async () => {
    const start = now
    expect(await bypass(30)).toMatchObject({ ok: true })
    safety.stop()
    outbox.close()
    now += 20 * 60_000
    open()
    await bypass(60)
    expect(until()).toBe(start + MAX_MS)
  })

  it('a new reason starts a new bypass from now, with its own event', async () => {
    expect(await bypass(60)).toMatchObject({ ok: true })
    now += 50 * 60_000
    expect(await bypass(60, 'second calibration, new test gas')).toMatchObject({ ok: true })
    expect(until()).toBe(now + MAX_MS)
    expect(bypassed().map((e) => e.reason)).toEqual(['calibration of ch4', 'second calibration, new test gas'])
  })
})
