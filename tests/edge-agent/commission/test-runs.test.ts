import Database from 'better-sqlite3'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { Outbox } from '../../../edge-agent/src/outbox/index.ts'
import { readTestRuns } from '../../../edge-agent/src/outbox/test-runs.ts'
import { generateSigningKey, signRun, type Run } from '../../../protocols/commissioning/index.ts'
import { EventSchema, type AgentEvent } from '../../../protocols/mqtt/index.ts'
import { createValidator } from '../../../protocols/validation/ajv.ts'
import { sampleRun } from '../../support/commissioning-run.ts'

const KEY = generateSigningKey()
const validEvent = createValidator<AgentEvent>(EventSchema)
const T0 = Date.UTC(2026, 11, 1, 2, 0, 0)

let dir: string
let path: string
let open: Outbox[]
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'test-runs-'))
  path = join(dir, 'outbox.db')
  open = []
})
afterEach(() => {
  for (const outbox of open) outbox.close()
  rmSync(dir, { recursive: true, force: true })
})

function outbox(): Outbox {
  const made = new Outbox({ path, clock: () => T0 })
  open.push(made)
  return made
}
const runAt = (startedAt: number, id = `gw-1:${startedAt}`): Run => sampleRun({ id, startedAt, endedAt: startedAt + 60_000 })

describe('Outbox.recordRun and runs', () => {
  it('a run is one commissioning event carrying the signed record, and is kept as signed', () => {
    const box = outbox()
    box.commitEvents([{ type: 'line-state', ts: T0, bus: 'rs485-1', state: 'down', reason: 'no answer' }])
    const run = runAt(T0)
    const signed = signRun(run, KEY.privateKeyPem)
    const seq = box.recordRun(run, signed, T0 + 5)
    const events = box.nextEvents(0, 10)
    expect(events.map((e) => e.seq)).toEqual([1, seq])
    expect(events[1]).toEqual({ type: 'commissioning', ts: T0 + 5, signed, seq })
    expect(validEvent(events[1]), JSON.stringify(validEvent.errors)).toBe(true)
    expect(box.runs()).toEqual([signed])
  })

  it('runs come back oldest first, and after a restart', () => {
    let box = outbox()
    const later = signRun(runAt(T0 + 3_600_000), KEY.privateKeyPem)
    const earlier = signRun(runAt(T0), KEY.privateKeyPem)
    box.recordRun(later.run as Run, later, T0)
    box.recordRun(earlier.run as Run, earlier, T0)
    box.close()
    open = []
    box = outbox()
    expect(box.runs().map((s) => (s.run as Run).startedAt)).toEqual([T0, T0 + 3_600_000])
  })

  it('the same run twice is refused, and no second event is sent', () => {
    const box = outbox()
    const run = runAt(T0)
    const signed = signRun(run, KEY.privateKeyPem)
    box.recordRun(run, signed, T0)
    expect(() => box.recordRun(run, signed, T0)).toThrow(/UNIQUE/u)
    expect(box.nextEvents(0, 10).map((e) => e.type)).toEqual(['commissioning'])
    expect(box.runs()).toHaveLength(1)
  })
})

describe('readTestRuns', () => {
  it('an outbox file without the table yet: no runs', () => {
    const db = new Database(join(dir, 'old.db'))
    db.exec('CREATE TABLE events (seq INTEGER PRIMARY KEY)')
    expect(readTestRuns(db)).toEqual([])
    db.close()
  })

  it('reads the runs of a file the agent keeps, opened read only', () => {
    const box = outbox()
    const signed = signRun(runAt(T0), KEY.privateKeyPem)
    box.recordRun(signed.run as Run, signed, T0)
    const db = new Database(path, { readonly: true, fileMustExist: true })
    expect(readTestRuns(db)).toEqual([signed])
    db.close()
  })
})
