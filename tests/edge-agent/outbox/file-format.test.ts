import Database from 'better-sqlite3'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { Outbox } from '../../../edge-agent/src/outbox/index.ts'
import { decodeTelemetry } from '../../../protocols/mqtt/index.ts'
import { writePreSplitFile, type PreSplitFile } from './pre-split-file.ts'

const T0 = 1_795_963_372_000

let dir: string
let path: string
const open: Outbox[] = []
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'outbox-format-'))
  path = join(dir, 'outbox.sqlite')
})
afterEach(() => {
  for (const outbox of open.splice(0)) outbox.close()
  rmSync(dir, { recursive: true, force: true })
})

const openOutbox = (): Outbox => {
  const outbox = new Outbox({ path })
  open.push(outbox)
  return outbox
}
const reopen = (outbox: Outbox): Outbox => {
  outbox.close()
  return openOutbox()
}

const ALARM_SNAPSHOT = {
  levels: [{ active: true, latched: false }], rate: { active: false, latched: false }, fault: { active: false, latched: false },
  alarms: { level: { level: 'alarm', since: T0, acknowledged: false } },
}

/** Two rows (seqs 1–2 and 4–5), an event between them (3), the safety state of every kind. */
const FILE: PreSplitFile = {
  channels: [[1, 'gas-1', 'ch4'], [2, 'gas-1', 'alarm']],
  telemetry: [
    [1, 2, 2, T0, T0, '0-1', `{"ch0":0,"seq0":1,"ts":${T0},"values":[0.5,false]}`],
    [4, 5, 2, T0 + 1000, T0 + 1000, '0-1', `{"ch0":0,"seq0":4,"ts":${T0 + 1000},"values":[null,true],"q":{"0":"comm-fail"},"r":{"0":"no answer"}}`],
  ],
  events: [{ type: 'line-state', ts: T0, bus: 'rs485-1', state: 'down', reason: 'no answer', seq: 3 }],
  safetyState: [
    ['alarm:gas-1/ch4', JSON.stringify(ALARM_SNAPSHOT)],
    ['daily:vrm', JSON.stringify({ day: '2026-01-06', inBand: 3, total: 4, streak: 2, level: 'warning', since: T0, acknowledged: false })],
    ['interlock:cut', JSON.stringify({ tripped: true, phase: 'trip', since: T0, cause: 'gas-1/ch4 1.6 ≥ 1.5', resetAccepted: false, failed: 'trip-failed' })],
    ['failed:relay/cut_1/cut', JSON.stringify({ device: 'relay', channel: 'cut_1', level: 'trip-failed', interlock: 'cut', since: T0, acknowledged: false })],
    ['calibration:gas-1', 'due-soon:2026-01-08'],
    ['legacy:what', '{}'],
  ],
  nextSeq: 6,
}

describe('a buffer file written before the outbox was split', () => {
  it('opens and replays: the same samples, events and numbers; new records continue the sequence', () => {
    writePreSplitFile(path, FILE)
    const outbox = openOutbox()
    expect(outbox.nextSamples(0, 10)).toEqual([
      { seq: 1, device: 'gas-1', channel: 'ch4', ts: T0, value: 0.5, quality: 'good' },
      { seq: 2, device: 'gas-1', channel: 'alarm', ts: T0, value: false, quality: 'good' },
      { seq: 4, device: 'gas-1', channel: 'ch4', ts: T0 + 1000, value: null, quality: 'comm-fail', reason: 'no answer' },
      { seq: 5, device: 'gas-1', channel: 'alarm', ts: T0 + 1000, value: true, quality: 'good' },
    ])
    expect(outbox.nextEvents(0, 10)).toEqual(FILE.events)
    expect(outbox.depth()).toEqual({ samples: 4, events: 1, pending: 0 })
    const batch = outbox.nextTelemetryBatch('gw-1', 0, 5000, 1_000_000)!
    expect(decodeTelemetry(JSON.parse(batch.payload.toString()))).toHaveLength(4)
    expect([batch.firstSeq, batch.lastSeq, batch.count]).toEqual([1, 5, 4])
    expect(outbox.commitEvent({ type: 'agent-started', ts: T0, version: '0.1.0', configHash: 'abc' })).toBe(6)
    expect(outbox.acknowledgeSamples(1, 5)).toBe(4)
  })

  it('keeps the safety state: each prefixed key becomes an entry of its section, a calibration notice its fields', () => {
    writePreSplitFile(path, FILE)
    const outbox = openOutbox()
    const byKey = new Map(outbox.loadSafetyState().map((r) => [`${r.section} ${r.id}`, r.value]))
    expect([...byKey.keys()].sort()).toEqual([
      'alarms gas-1/ch4', 'calibrationNotices gas-1', 'dailyRatios vrm', 'failedInterlockAlarms relay/cut_1/cut', 'interlocks cut',
    ])
    expect(byKey.get('alarms gas-1/ch4')).toEqual(ALARM_SNAPSHOT)
    expect(byKey.get('calibrationNotices gas-1')).toEqual({ state: 'due-soon', dueOn: '2026-01-08' })
    expect(byKey.get('interlocks cut')).toMatchObject({ tripped: true, failed: 'trip-failed' })
  })

  it('is migrated once: the key-value table is gone, and a reopen reads the same state', () => {
    writePreSplitFile(path, FILE)
    let outbox = openOutbox()
    const first = outbox.loadSafetyState()
    outbox = reopen(outbox)
    expect(outbox.loadSafetyState()).toEqual(first)
    outbox.close()
    const db = new Database(path, { readonly: true })
    try {
      const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all()
      expect(tables).toEqual(['channels', 'command_ids', 'events', 'meta', 'safety_records', 'telemetry', 'test_runs'])
    } finally {
      db.close()
    }
  })
})

describe('safety records', () => {
  it('are committed with the events, replaced by id, and deleted by a null value', () => {
    let outbox = openOutbox()
    outbox.commitEvents([], [{ section: 'interlocks', id: 'cut', value: { tripped: true } }, { section: 'alarms', id: 'a/b', value: { x: 1 } }])
    outbox.commitEvents([{ type: 'line-state', ts: T0, bus: 'b', state: 'open' }], [{ section: 'interlocks', id: 'cut', value: { tripped: false } }, { section: 'alarms', id: 'a/b', value: null }])
    outbox = reopen(outbox)
    expect(outbox.loadSafetyState()).toEqual([{ section: 'interlocks', id: 'cut', value: { tripped: false } }])
  })

  it('are not written when the events they belong to cannot be', () => {
    const outbox = openOutbox()
    const unserialisable = { type: 'line-state', ts: T0, bus: 'b', state: 'open', reason: 10n } as unknown as Parameters<Outbox['commitEvent']>[0]
    expect(() => outbox.commitEvents([unserialisable], [{ section: 'interlocks', id: 'cut', value: { tripped: true } }])).toThrow(/BigInt/)
    expect(outbox.loadSafetyState()).toEqual([])
    expect(outbox.nextEvents(0, 10)).toEqual([])
  })
})
