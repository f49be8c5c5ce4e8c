/** Unit: the bus worker on an in-process line, its time on a ManualClock (no sockets, no real timers). */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { BusWorker, type BusDevice } from '../../../edge-agent/src/poll/bus-worker.ts'
import { DevicePoller } from '../../../edge-agent/src/poll/device-poller.ts'
import type { PollEvent } from '../../../edge-agent/src/poll/events.ts'
import { SimulatedDevice } from '../../../edge-agent/src/simulator/index.ts'
import type { Sample } from '../../../protocols/sample.ts'
import { GAS_PROFILE, profileFromYaml } from '../../support/profiles.ts'
import { FakeLine } from './fake-line.ts'
import { ManualClock } from './manual-clock.ts'

const gas = profileFromYaml(GAS_PROFILE)

function collect() {
  const samples: Sample[] = []
  const events: PollEvent[] = []
  return { samples, events, listener: { samples: (s: Sample[]) => samples.push(...s), event: (e: PollEvent) => events.push(e) } }
}

const device = (unit: number, scenario: 'static' | 'offline' = 'static') => new SimulatedDevice({ profile: gas, unit, scenario })
const slot = (id: string, unit: number, pollMs: number, priority: BusDevice['priority'] = 'normal'): BusDevice => ({ poller: new DevicePoller(id, unit, gas, 0), pollMs, priority })

let clock: ManualClock
let worker: BusWorker | undefined
beforeEach(() => {
  clock = new ManualClock()
})
afterEach(async () => {
  if (worker) await clock.runUntilSettled('stop()', worker.stop())
  worker = undefined
})

describe('BusWorker on a serial line', () => {
  it('keeps exactly one transaction outstanding and t3.5 of silence between frames', async () => {
    const line = new FakeLine(clock, new Map([[1, device(1)], [2, device(2)], [3, device(3)]]))
    const { listener, samples } = collect()
    worker = new BusWorker({ id: 'rs485', master: line, timeoutMs: 50, silenceMs: 4, maxInFlight: 1, clock }, [slot('a', 1, 50), slot('b', 2, 50), slot('c', 3, 50)], listener)
    worker.start()
    await clock.advance(1000)
    expect(line.frames.length).toBeGreaterThanOrEqual(30)
    expect(line.maxInFlight).toBe(1)
    const gaps = line.frames.slice(1).map((f, i) => f.start - line.frames[i]!.end)
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(3.9)
    expect(new Set(samples.map((s) => s.device))).toEqual(new Set(['a', 'b', 'c']))
  })

  it('after a timeout, asks that unit again only after a whole timeout of silence; other units after t3.5', async () => {
    const line = new FakeLine(clock, new Map([[1, device(1)], [2, device(2, 'offline')]]))
    const { listener } = collect()
    const dead: BusDevice = { poller: new DevicePoller('dead', 2, gas, 1), pollMs: 50, priority: 'safety' }
    worker = new BusWorker({ id: 'rs485', master: line, timeoutMs: 40, silenceMs: 2, maxInFlight: 1, clock }, [dead, slot('alive', 1, 50)], listener)
    const original = line.execute.bind(line)
    const lateBytes: number[] = []
    line.execute = async (request, timeoutMs) => {
      try {
        return await original(request, timeoutMs)
      } finally {
        if (request.unit === 2) {
          // the "dead" device answers late, 15 ms after the master gave up
          clock.after(15, () => {
            line.lastByte = clock.monotonic()
            lateBytes.push(line.lastByte)
          })
        }
      }
    }
    worker.start()
    await clock.advance(1000)
    expect(line.frames.filter((f) => f.unit === 2).length >= 2 && line.frames.some((f) => f.unit === 1), 'a retry to the dead unit and a request to the live one').toBe(true)
    const [first, retry] = line.frames.filter((f) => f.unit === 2)
    const lateAfterFirst = lateBytes.find((t) => t > first!.end)!
    expect(retry!.start - lateAfterFirst).toBeGreaterThanOrEqual(39.9)
    const live = line.frames.find((f) => f.unit === 1)!
    const lastLateBefore = Math.max(...lateBytes.filter((t) => t < live.start))
    expect(live.start - lastLateBefore).toBeGreaterThanOrEqual(1.9)
  })

  it('polls safety devices first when the bus is saturated', async () => {
    const line = new FakeLine(clock, new Map([[1, device(1)], [2, device(2)]]))
    const { listener } = collect()
    worker = new BusWorker({ id: 'rs485', master: line, timeoutMs: 50, silenceMs: 0, maxInFlight: 1, clock }, [slot('inventory', 1, 50, 'inventory'), slot('safety', 2, 50, 'safety')], listener)
    worker.start()
    await clock.advance(500)
    expect(line.frames.length).toBeGreaterThanOrEqual(10)
    expect(line.frames[0]!.unit).toBe(2)
  })

  it('quarantines a dead device: offline event, comm-fail samples, the others keep their pace', async () => {
    const line = new FakeLine(clock, new Map([[1, device(1)], [2, device(2, 'offline')]]))
    const { listener, samples, events } = collect()
    worker = new BusWorker({ id: 'rs485', master: line, timeoutMs: 30, silenceMs: 0, maxInFlight: 1, health: { offlineAfter: 2, firstBackoffMs: 2000, maxBackoffMs: 4000 }, clock },
      [slot('alive', 1, 20), slot('dead', 2, 20)], listener)
    worker.start()
    await clock.advance(300)
    expect(events.some((e) => e.type === 'device-state' && e.device === 'dead' && e.to === 'offline'), 'dead device offline').toBe(true)
    const probesBefore = line.frames.filter((f) => f.unit === 2).length
    const aliveBefore = samples.filter((s) => s.device === 'alive').length
    const deadBefore = samples.filter((s) => s.device === 'dead').length
    await clock.advance(500)
    // between probes the samples keep the hint of a device that never answered (wrong unit id or line settings?)
    const quarantined = samples.filter((s) => s.device === 'dead').slice(deadBefore)
    expect(quarantined.length).toBeGreaterThan(0)
    for (const s of quarantined) expect(s.reason).toMatch(/^no answer from unit 2 since start: check the unit id and the line settings; last error: .*; next probe at \d{4}-\d\d-\d\dT/u)
    expect(line.frames.filter((f) => f.unit === 2).length).toBe(probesBefore)
    expect(samples.filter((s) => s.device === 'alive').length).toBeGreaterThan(aliveBefore)
    const dead = samples.filter((s) => s.device === 'dead')
    expect(dead.length).toBeGreaterThan(0)
    expect(dead.every((s) => s.quality === 'comm-fail' && s.value === null)).toBe(true)
    expect(worker.status().devices.find((d) => d.id === 'dead')).toMatchObject({ state: 'offline', quarantinedUntil: expect.any(Number) })
  })

  it('reopens a line that vanished, without a restart, and polls again', async () => {
    const line = new FakeLine(clock, new Map([[1, device(1)]]))
    const { listener, samples, events } = collect()
    worker = new BusWorker({ id: 'usb0', master: line, timeoutMs: 30, silenceMs: 0, maxInFlight: 1, reopenMs: 50, clock }, [slot('a', 1, 20)], listener)
    worker.start()
    await clock.advance(200)
    expect(samples.some((s) => s.quality === 'good'), 'first good sample').toBe(true)
    line.failOpen = true
    line.drop()
    await clock.advance(200)
    expect(events.some((e) => e.type === 'line-state' && e.state === 'down'), 'line down event').toBe(true)
    expect(samples.some((s) => s.quality === 'comm-fail' && s.reason?.includes('line usb0 down') === true), 'comm-fail while down').toBe(true)
    const opensWhileDown = line.opens
    line.failOpen = false
    await clock.advance(200)
    expect(events.some((e) => e.type === 'line-state' && e.state === 'open'), 'line open event').toBe(true)
    expect(line.opens).toBeGreaterThan(opensWhileDown)
    const after = samples.length
    await clock.advance(200)
    expect(samples.slice(after).some((s) => s.quality === 'good'), 'good samples again').toBe(true)
  })

  it('a line that comes back is read good again within two poll periods, whatever the phase and jitter of the reopen tries', async () => {
    const POLL_MS = 500
    const late: string[] = []
    for (const random of [() => 0, () => 0.999]) {
      for (let phase = 0; phase < 2 * POLL_MS; phase += 50) {
        clock = new ManualClock()
        const line = new FakeLine(clock, new Map([[1, device(1)]]))
        const { listener, samples } = collect()
        worker = new BusWorker({ id: 'usb0', master: line, timeoutMs: 30, silenceMs: 0, maxInFlight: 1, clock, random }, [{ poller: new DevicePoller('a', 1, gas, 0, () => clock.now()), pollMs: POLL_MS, priority: 'normal' }], listener)
        worker.start()
        await clock.advance(1000)
        line.failOpen = true
        line.drop()
        await clock.advance(3000 + phase)
        const backAt = clock.now()
        line.failOpen = false
        await clock.advance(3 * POLL_MS)
        const firstGood = samples.find((s) => s.ts >= backAt && s.quality === 'good')
        if (!firstGood || firstGood.ts - backAt > 2 * POLL_MS) late.push(`random ${random()} phase ${phase}: ${firstGood ? `${firstGood.ts - backAt} ms` : 'no good sample'}`)
        await clock.runUntilSettled('stop()', worker.stop())
        worker = undefined
      }
    }
    expect(late).toEqual([])
  })

  it('polls every device once for --once, in priority order, and reports who could not be read', async () => {
    const line = new FakeLine(clock, new Map([[1, device(1)]]))
    const { listener } = collect()
    worker = new BusWorker({ id: 'rs485', master: line, timeoutMs: 30, silenceMs: 0, maxInFlight: 1, clock }, [slot('a', 1, 1000), slot('missing', 7, 1000, 'safety')], listener)
    const results = await clock.runUntilSettled('pollOnce()', worker.pollOnce())
    expect(results.map((r) => [r.device, r.outcome])).toEqual([['missing', 'no-answer'], ['a', 'ok']])
  })
})

describe('BusWorker on TCP', () => {
  it('pipelines up to maxInFlight polls on one connection', async () => {
    const line = new FakeLine(clock, new Map([1, 2, 3, 4].map((u) => [u, device(u)])), 10)
    const { listener } = collect()
    worker = new BusWorker({ id: 'plc', master: line, timeoutMs: 100, silenceMs: 0, maxInFlight: 3, clock }, [1, 2, 3, 4].map((u) => slot(`d${u}`, u, 20)), listener)
    worker.start()
    await clock.advance(500)
    expect(line.frames.length).toBeGreaterThanOrEqual(20)
    expect(line.maxInFlight).toBe(3)
  })
})

describe('BusWorker overlaps decoding with the next request', () => {
  it('puts the next device\'s request on the line before it emits the samples of the poll that just read', async () => {
    const line = new FakeLine(clock, new Map([[1, device(1)], [2, device(2)]]), 1)
    const log: string[] = []
    const original = line.execute.bind(line)
    line.execute = (request, timeoutMs) => {
      log.push(`request ${request.unit}`)
      return original(request, timeoutMs)
    }
    const listener = { samples: (batch: Sample[]) => log.push(`samples ${batch[0]!.device}`), event: () => {} }
    worker = new BusWorker({ id: 'plc', master: line, timeoutMs: 100, silenceMs: 0, maxInFlight: 1, random: () => 0, clock }, [slot('a', 1, 1), slot('b', 2, 1)], listener)
    worker.start()
    await clock.advance(100)
    expect(log.filter((l) => l.startsWith('samples')).length, 'six polls').toBeGreaterThanOrEqual(6)
    expect(line.maxInFlight).toBe(1)
    // every poll after the first: the samples of one device come after the other device's request went out
    const firstSamples = log.indexOf('samples a')
    expect(log.slice(0, firstSamples).at(-1)).toBe('request 2')
    for (let i = 1; i < log.length; i++) {
      if (log[i]!.startsWith('samples')) expect(log[i - 1]).toMatch(/^request /u)
    }
  })

  it('stop() waits for a poll still decoding: no samples once it has returned', async () => {
    const line = new FakeLine(clock, new Map([[1, device(1)], [2, device(2)]]), 1)
    const { listener, samples } = collect()
    worker = new BusWorker({ id: 'plc', master: line, timeoutMs: 100, silenceMs: 0, maxInFlight: 1, clock }, [slot('a', 1, 1), slot('b', 2, 1)], listener)
    worker.start()
    await clock.advance(100)
    expect(samples.length, 'a few polls').toBeGreaterThanOrEqual(20)
    // counted the moment stop() resolves
    const count = await clock.runUntilSettled('stop()', worker.stop().then(() => samples.length))
    worker = undefined
    await clock.advance(30)
    expect(samples.length).toBe(count)
  })
})
