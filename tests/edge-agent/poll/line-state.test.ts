/** Unit: every transition of the line's state machine, allowed and refused, for every state. */
import { describe, expect, it } from 'vitest'
import { downReasonOf, heldOf, nextLineState, type LineEvent, type LineState } from '../../../edge-agent/src/poll/line-state.ts'

const CAPACITY = 2

const STATES = {
  stopped: { kind: 'stopped' },
  once: { kind: 'polling-once', downReason: undefined },
  onceDown: { kind: 'polling-once', downReason: 'ENOENT' },
  notOpenYet: { kind: 'reopening', downReason: undefined, held: 0 },
  down: { kind: 'reopening', downReason: 'line closed', held: 0 },
  downHeld: { kind: 'reopening', downReason: 'line closed', held: 1 },
  idle: { kind: 'idle' },
  one: { kind: 'transacting', held: 1 },
  full: { kind: 'transacting', held: CAPACITY },
  stopping: { kind: 'stopping', held: 0 },
  stoppingHeld: { kind: 'stopping', held: 1 },
} satisfies Record<string, LineState>
type Name = keyof typeof STATES

const EVENTS = {
  'start (line closed)': { type: 'start', lineOpen: false },
  'start (line open)': { type: 'start', lineOpen: true },
  'poll-once': { type: 'poll-once' },
  'once-done': { type: 'once-done' },
  opened: { type: 'opened' },
  'line-lost': { type: 'line-lost', reason: 'EIO' },
  'line-lost (no reason)': { type: 'line-lost', reason: undefined },
  claim: { type: 'claim' },
  release: { type: 'release' },
  stop: { type: 'stop' },
  closed: { type: 'closed' },
} satisfies Record<string, LineEvent>
type Event = keyof typeof EVENTS

/** Every state × every event: the state it leads to, or null where the line refuses it. */
const TABLE: Record<Name, Record<Event, LineState | null>> = {
  stopped: {
    'start (line closed)': { kind: 'reopening', downReason: undefined, held: 0 }, 'start (line open)': { kind: 'idle' },
    'poll-once': { kind: 'polling-once', downReason: undefined }, 'once-done': null, opened: null,
    'line-lost': null, 'line-lost (no reason)': null, claim: null, release: null, stop: { kind: 'stopping', held: 0 }, closed: null,
  },
  once: {
    'start (line closed)': null, 'start (line open)': null, 'poll-once': null, 'once-done': { kind: 'stopped' },
    opened: { kind: 'polling-once', downReason: undefined },
    'line-lost': { kind: 'polling-once', downReason: 'EIO' }, 'line-lost (no reason)': null,
    claim: null, release: null, stop: { kind: 'stopping', held: 0 }, closed: null,
  },
  onceDown: {
    'start (line closed)': null, 'start (line open)': null, 'poll-once': null, 'once-done': { kind: 'stopped' },
    opened: { kind: 'polling-once', downReason: undefined },
    'line-lost': null, 'line-lost (no reason)': null,
    claim: null, release: null, stop: { kind: 'stopping', held: 0 }, closed: null,
  },
  notOpenYet: {
    'start (line closed)': null, 'start (line open)': null, 'poll-once': null, 'once-done': null,
    opened: { kind: 'idle' },
    'line-lost': { kind: 'reopening', downReason: 'EIO', held: 0 }, 'line-lost (no reason)': null,
    claim: null, release: null, stop: { kind: 'stopping', held: 0 }, closed: null,
  },
  down: {
    'start (line closed)': null, 'start (line open)': null, 'poll-once': null, 'once-done': null,
    opened: { kind: 'idle' },
    'line-lost': null, 'line-lost (no reason)': null,
    claim: null, release: null, stop: { kind: 'stopping', held: 0 }, closed: null,
  },
  downHeld: {
    'start (line closed)': null, 'start (line open)': null, 'poll-once': null, 'once-done': null,
    // not reopened under a transaction still on the dropped line
    opened: null,
    'line-lost': null, 'line-lost (no reason)': null,
    claim: null, release: { kind: 'reopening', downReason: 'line closed', held: 0 }, stop: { kind: 'stopping', held: 1 }, closed: null,
  },
  idle: {
    'start (line closed)': null, 'start (line open)': null, 'poll-once': null, 'once-done': null, opened: null,
    'line-lost': { kind: 'reopening', downReason: 'EIO', held: 0 }, 'line-lost (no reason)': { kind: 'reopening', downReason: undefined, held: 0 },
    claim: { kind: 'transacting', held: 1 }, release: null, stop: { kind: 'stopping', held: 0 }, closed: null,
  },
  one: {
    'start (line closed)': null, 'start (line open)': null, 'poll-once': null, 'once-done': null, opened: null,
    'line-lost': { kind: 'reopening', downReason: 'EIO', held: 1 }, 'line-lost (no reason)': { kind: 'reopening', downReason: undefined, held: 1 },
    claim: { kind: 'transacting', held: 2 }, release: { kind: 'idle' }, stop: { kind: 'stopping', held: 1 }, closed: null,
  },
  full: {
    'start (line closed)': null, 'start (line open)': null, 'poll-once': null, 'once-done': null, opened: null,
    'line-lost': { kind: 'reopening', downReason: 'EIO', held: 2 }, 'line-lost (no reason)': { kind: 'reopening', downReason: undefined, held: 2 },
    claim: null, release: { kind: 'transacting', held: 1 }, stop: { kind: 'stopping', held: 2 }, closed: null,
  },
  stopping: {
    'start (line closed)': null, 'start (line open)': null, 'poll-once': null, 'once-done': null, opened: null,
    'line-lost': null, 'line-lost (no reason)': null, claim: null, release: null, stop: null, closed: { kind: 'stopped' },
  },
  stoppingHeld: {
    'start (line closed)': null, 'start (line open)': null, 'poll-once': null, 'once-done': null, opened: null,
    'line-lost': null, 'line-lost (no reason)': null, claim: null, release: { kind: 'stopping', held: 0 }, stop: null,
    // closed only once every transaction has let the line go
    closed: null,
  },
}

describe('nextLineState', () => {
  const cases = (Object.keys(TABLE) as Name[]).flatMap((state) =>
    (Object.keys(EVENTS) as Event[]).map((event) => ({ state, event, expected: TABLE[state][event] })))

  it.each(cases.filter((c) => c.expected !== null))('$state + $event → allowed', ({ state, event, expected }) => {
    expect(nextLineState(STATES[state], EVENTS[event], CAPACITY)).toEqual(expected)
  })

  it.each(cases.filter((c) => c.expected === null))('$state + $event → refused', ({ state, event }) => {
    expect(nextLineState(STATES[state], EVENTS[event], CAPACITY)).toBeUndefined()
  })

  it('a one-transaction line (RS-485) is full with one transaction on it', () => {
    const one = nextLineState({ kind: 'idle' }, { type: 'claim' }, 1)
    expect(one).toEqual({ kind: 'transacting', held: 1 })
    expect(nextLineState(one!, { type: 'claim' }, 1)).toBeUndefined()
  })

  it('a whole run: start, open, transactions, a drop, reopen, stop', () => {
    const events: LineEvent[] = [
      { type: 'start', lineOpen: false }, { type: 'opened' }, { type: 'claim' }, { type: 'claim' }, { type: 'release' },
      { type: 'line-lost', reason: 'line closed' }, { type: 'release' }, { type: 'opened' }, { type: 'claim' }, { type: 'stop' }, { type: 'release' }, { type: 'closed' },
    ]
    let state: LineState = { kind: 'stopped' }
    const kinds: string[] = []
    for (const event of events) {
      const next = nextLineState(state, event, CAPACITY)
      if (!next) throw new Error(`${event.type} refused in ${JSON.stringify(state)}`)
      state = next
      kinds.push(`${state.kind}:${heldOf(state)}`)
    }
    expect(kinds).toEqual([
      'reopening:0', 'idle:0', 'transacting:1', 'transacting:2', 'transacting:1',
      'reopening:1', 'reopening:0', 'idle:0', 'transacting:1', 'stopping:1', 'stopping:0', 'stopped:0',
    ])
  })
})

describe('what a state says', () => {
  it('heldOf: the transactions on the line', () => {
    expect(Object.fromEntries(Object.entries(STATES).map(([name, state]) => [name, heldOf(state)]))).toEqual({
      stopped: 0, once: 0, onceDown: 0, notOpenYet: 0, down: 0, downHeld: 1, idle: 0, one: 1, full: 2, stopping: 0, stoppingHeld: 1,
    })
  })

  it('downReasonOf: why the line is down, when it said why', () => {
    expect(Object.fromEntries(Object.entries(STATES).map(([name, state]) => [name, downReasonOf(state) ?? null]))).toEqual({
      stopped: null, once: null, onceDown: 'ENOENT', notOpenYet: null, down: 'line closed', downHeld: 'line closed', idle: null, one: null, full: null, stopping: null, stoppingHeld: null,
    })
  })
})
