/**
 * Unit: armed reads on a bus worker over an in-process line, on a ManualClock. An armed device's armed
 * channels are read on their own as fast as the line allows; the others keep their periods within the
 * line's share; several armed devices share the armed part fairly; disarming restores the normal plan.
 */
import fc from 'fast-check'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { BusWorker, type BusDevice } from '../../../edge-agent/src/poll/bus-worker.ts'
import { DevicePoller } from '../../../edge-agent/src/poll/device-poller.ts'
import type { ModbusRequest } from '../../../edge-agent/src/modbus/master.ts'
import { SimulatedDevice } from '../../../edge-agent/src/simulator/index.ts'
import type { Sample } from '../../../protocols/sample.ts'
import { GAS_PROFILE, profileFromYaml } from '../../support/profiles.ts'
import { FakeLine } from './fake-line.ts'
import { ManualClock } from './manual-clock.ts'

const gas = profileFromYaml(GAS_PROFILE)
/** the gas profile's plan: the measurements and their status flags (input 0..3), and its signature (holding 20), read only by a full poll */
const isFullPollRead = (r: ModbusRequest) => r.kind === 'read' && r.table === 'holding'
const isArmedBlockRead = (r: ModbusRequest) => r.kind === 'read' && r.table === 'input'

interface Setup {
  devices: { pollMs: number; priority?: BusDevice['priority'] }[]
  armedShare: number
  armedPollMs: number
  answerMs: number
  silenceMs: number
  /** 1 on a serial line; more on a Modbus TCP connection */
  maxInFlight?: number
}

interface Run {
  worker: BusWorker
  line: FakeLine
  simulated: Map<number, SimulatedDevice>
  /** every request with the clock time it went out */
  requests: { at: number; unit: number; request: ModbusRequest }[]
  samples: Sample[]
}

let clock: ManualClock
let running: BusWorker | undefined
beforeEach(() => {
  clock = new ManualClock()
})
afterEach(async () => {
  if (running) await clock.runUntilSettled('stop()', running.stop())
  running = undefined
})

function start(setup: Setup): Run {
  const units = setup.devices.map((_, i) => i + 1)
  const simulated = new Map(units.map((u) => [u, new SimulatedDevice({ profile: gas, unit: u, scenario: 'static' })]))
  const line = new FakeLine(clock, simulated, setup.answerMs)
  const requests: Run['requests'] = []
  line.onRequest = (request) => requests.push({ at: clock.monotonic(), unit: request.unit, request })
  const samples: Sample[] = []
  const worker = new BusWorker(
    { id: 'rs485', master: line, timeoutMs: 100, silenceMs: setup.silenceMs, maxInFlight: setup.maxInFlight ?? 1, armedShare: setup.armedShare, armedPollMs: setup.armedPollMs, clock, random: () => 0.5 },
    setup.devices.map((d, i) => ({ poller: new DevicePoller(`d${i + 1}`, i + 1, gas, 0, () => clock.now()), pollMs: d.pollMs, priority: d.priority ?? 'normal' })),
    { samples: (s) => samples.push(...s), event: () => {} },
  )
  running = worker
  worker.start()
  return { worker, line, simulated, requests, samples }
}

/** Times (clock ms) the unit's requests matching `which` went out, from `from` on. */
const timesOf = (run: Run, unit: number, which: (r: ModbusRequest) => boolean, from = 0) =>
  run.requests.filter((r) => r.unit === unit && r.at >= from && which(r.request)).map((r) => r.at)
const gaps = (times: readonly number[]) => times.slice(1).map((t, i) => t - times[i]!)
const longest = (times: readonly number[]) => Math.max(0, ...gaps(times))

describe('armed reads', () => {
  const base: Setup = { devices: [{ pollMs: 1000, priority: 'safety' }, { pollMs: 1000 }, { pollMs: 1000 }], armedShare: 0.5, armedPollMs: 20, answerMs: 10, silenceMs: 4 }

  it('an armed device is read every armedPollMs, its armed block only, while the others keep their periods', async () => {
    const run = start(base)
    await clock.advance(3000)
    expect(run.worker.arm('d1', ['lel'])).toBe(true)
    const from = clock.monotonic()
    await clock.advance(2000)
    const armedReads = timesOf(run, 1, isArmedBlockRead, from)
    // start to start every 20 ms: about 100 in 2 s, besides its two full polls
    expect(armedReads.length).toBeGreaterThanOrEqual(95)
    // at worst it waits for a poll in progress and the others due with it
    expect(longest(armedReads)).toBeLessThanOrEqual(20 + 3 * 2 * (10 + 4) + (10 + 4))
    expect(timesOf(run, 1, isFullPollRead, from).length).toBe(2)
    for (const unit of [2, 3]) {
      const polls = timesOf(run, unit, isFullPollRead, from - 1000)
      expect(longest(polls)).toBeLessThanOrEqual(1000 + 2 * (10 + 4))
    }
  })

  it('disarming restores the normal plan: one poll a period, the line idle between', async () => {
    const run = start(base)
    await clock.advance(3000)
    run.worker.arm('d1', ['lel'])
    await clock.advance(1000)
    run.worker.arm('d1', [])
    const from = clock.monotonic()
    await clock.advance(3000)
    const reads = timesOf(run, 1, isArmedBlockRead, from)
    expect(reads.length, JSON.stringify(reads)).toBe(3)
    // on its grid again, give or take the polls of the others due with it
    expect(gaps(reads).every((g) => Math.abs(g - 1000) <= 3 * 2 * (10 + 4) + (10 + 4))).toBe(true)
  })

  it('on a Modbus TCP connection with transactions in flight at once the same: armed reads at their pace, the others at their periods', async () => {
    const run = start({ ...base, silenceMs: 0, answerMs: 3, maxInFlight: 4 })
    await clock.advance(3000)
    run.worker.arm('d1', ['lel'])
    run.worker.arm('d2', ['lel'])
    const from = clock.monotonic()
    await clock.advance(2000)
    for (const unit of [1, 2]) expect(longest(timesOf(run, unit, isArmedBlockRead, from))).toBeLessThanOrEqual(20 + 3 * 2 * 3 + 3)
    expect(longest(timesOf(run, 3, isFullPollRead, from - 1000))).toBeLessThanOrEqual(1000 + 3 * 2 * 3 + 3)
  })

  it('with armedShare 0 the line does no armed reads', async () => {
    const run = start({ ...base, armedShare: 0 })
    await clock.advance(3000)
    expect(run.worker.arm('d1', ['lel'])).toBe(false)
    const from = clock.monotonic()
    await clock.advance(2000)
    expect(timesOf(run, 1, isArmedBlockRead, from).length).toBe(2)
  })

  it('a device that does not answer is not read armed: its quarantine probes go on at their pace', async () => {
    const run = start(base)
    await clock.advance(3000)
    run.worker.arm('d1', ['lel'])
    await clock.advance(200)
    run.simulated.delete(1)
    await clock.advance(3000)
    const from = clock.monotonic()
    await clock.advance(3000)
    // a probe at most every backoff (2 s and more, jittered): nothing like the 20 ms pace
    expect(timesOf(run, 1, () => true, from).length).toBeLessThanOrEqual(4)
  })
})

/**
 * Random buses: 2–8 devices at 100–3000 ms whose load fits in the part of the line armed reads leave
 * them (what `check` accepts without a stretch warning), 1–3 of them armed at a random share and pace.
 */
const busLoad = fc.record({
  periods: fc.array(fc.integer({ min: 100, max: 3000 }), { minLength: 2, maxLength: 8 }),
  armedCount: fc.integer({ min: 1, max: 3 }),
  armedShare: fc.double({ min: 0.2, max: 0.8, noNaN: true }),
  armedPollMs: fc.integer({ min: 10, max: 100 }),
  answerMs: fc.integer({ min: 2, max: 12 }),
}).filter(({ periods, armedShare, answerMs }) => {
  // a full poll is two transactions, each an answer plus 4 ms of silence
  const load = periods.reduce((sum, p) => sum + (2 * (answerMs + 4)) / p, 0)
  return load <= 1 - armedShare
})

describe('armed reads over random bus loads', () => {
  it('the others keep their periods (give or take the polls due with them, at their share) and the armed devices share their part fairly', async () => {
    await fc.assert(fc.asyncProperty(busLoad, async ({ periods, armedCount, armedShare, armedPollMs, answerMs }) => {
      clock = new ManualClock()
      const armed = Math.min(armedCount, periods.length - 1)
      const run = start({ devices: periods.map((pollMs) => ({ pollMs })), armedShare, armedPollMs, answerMs, silenceMs: 4 })
      try {
        await clock.advance(3000 + Math.max(...periods))
        for (let unit = 1; unit <= armed; unit++) run.worker.arm(`d${unit}`, ['lel'])
        const from = clock.monotonic()
        await clock.advance(6000)
        const tx = answerMs + 4
        const fullPoll = 2 * tx
        // a device due with every other one waits for their polls, at the others' share of the line, and for one armed read in progress
        const queued = (periods.length * fullPoll) / (1 - armedShare) + tx
        for (let unit = armed + 1; unit <= periods.length; unit++) {
          const polls = timesOf(run, unit, isFullPollRead, from - periods[unit - 1]!)
          expect(longest(polls), `d${unit} every ${periods[unit - 1]} ms`).toBeLessThanOrEqual(periods[unit - 1]! + queued)
        }
        // the armed devices in turn: each within its pace, or its fair turn of the armed share while the others are due
        const fairTurn = armed * tx / armedShare + queued
        for (let unit = 1; unit <= armed; unit++) {
          const reads = timesOf(run, unit, isArmedBlockRead, from)
          expect(longest(reads), `armed d${unit}`).toBeLessThanOrEqual(Math.max(armedPollMs + queued, fairTurn))
        }
      } finally {
        await clock.runUntilSettled('stop()', run.worker.stop())
        running = undefined
      }
    }), { numRuns: 40 })
  })
})
