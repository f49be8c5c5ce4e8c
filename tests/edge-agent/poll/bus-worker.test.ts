import { afterEach, describe, expect, it } from 'vitest'
import { BusWorker, type BusDevice } from '../../../edge-agent/src/poll/bus-worker.ts'
import { DevicePoller } from '../../../edge-agent/src/poll/device-poller.ts'
import type { PollEvent } from '../../../edge-agent/src/poll/events.ts'
import type { ModbusMaster, ModbusReply, ModbusRequest } from '../../../edge-agent/src/modbus/master.ts'
import { SimulatedDevice } from '../../../edge-agent/src/simulator/index.ts'
import { ModbusTimeoutError, ModbusTransportError } from '../../../protocols/modbus/index.ts'
import type { Sample } from '../../../protocols/sample.ts'
import { GAS_PROFILE, profileFromYaml } from '../../support/profiles.ts'

const gas = profileFromYaml(GAS_PROFILE)

/** An in-process line: answers from simulated devices after a short delay; records what the worker does. */
class FakeLine implements ModbusMaster {
  isOpen = false
  opens = 0
  failOpen = false
  inFlight = 0
  maxInFlight = 0
  readonly frames: { unit: number; start: number; end: number }[] = []
  private closeListener: (() => void) | undefined
  constructor(private readonly devices: Map<number, SimulatedDevice>, private readonly answerMs = 2) {}
  async open() {
    this.opens++
    if (this.failOpen) throw new ModbusTransportError('no such device')
    this.isOpen = true
  }
  async close() {
    this.isOpen = false
  }
  drop() {
    this.isOpen = false
    this.closeListener?.()
  }
  discardInput() {}
  lastByte: number | undefined
  lastByteAt() {
    return this.lastByte
  }
  onClose(listener: () => void) {
    this.closeListener = listener
  }
  async execute(request: ModbusRequest, timeoutMs: number): Promise<ModbusReply> {
    if (!this.isOpen) throw new ModbusTransportError('not open')
    const start = performance.now()
    this.inFlight++
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight)
    try {
      const device = this.devices.get(request.unit)
      if (!device || device.silent) {
        await new Promise((r) => setTimeout(r, timeoutMs))
        throw new ModbusTimeoutError(timeoutMs)
      }
      await new Promise((r) => setTimeout(r, this.answerMs))
      if (request.kind === 'read') return device.read(request.table, request.address, request.count)
      return undefined
    } finally {
      this.inFlight--
      this.frames.push({ unit: request.unit, start, end: performance.now() })
    }
  }
}

function collect() {
  const samples: Sample[] = []
  const events: PollEvent[] = []
  return { samples, events, listener: { samples: (s: Sample[]) => samples.push(...s), event: (e: PollEvent) => events.push(e) } }
}

const device = (unit: number, scenario: 'static' | 'offline' = 'static') => new SimulatedDevice({ profile: gas, unit, scenario })
const slot = (id: string, unit: number, pollMs: number, priority: BusDevice['priority'] = 'normal'): BusDevice => ({ poller: new DevicePoller(id, unit, gas, 0), pollMs, priority })
const until = async (condition: () => boolean, what: string, limitMs = 5000) => {
  const end = Date.now() + limitMs
  while (!condition()) {
    if (Date.now() > end) throw new Error(`never happened: ${what}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}

let worker: BusWorker | undefined
afterEach(async () => {
  await worker?.stop()
  worker = undefined
})

describe('BusWorker on a serial line', () => {
  it('keeps exactly one transaction outstanding and t3.5 of silence between frames', async () => {
    const line = new FakeLine(new Map([[1, device(1)], [2, device(2)], [3, device(3)]]))
    const { listener, samples } = collect()
    worker = new BusWorker({ id: 'rs485', master: line, timeoutMs: 50, silenceMs: 4, maxInFlight: 1 }, [slot('a', 1, 50), slot('b', 2, 50), slot('c', 3, 50)], listener)
    worker.start()
    await until(() => line.frames.length >= 30, '30 frames')
    expect(line.maxInFlight).toBe(1)
    const gaps = line.frames.slice(1).map((f, i) => f.start - line.frames[i]!.end)
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(3.9)
    expect(new Set(samples.map((s) => s.device))).toEqual(new Set(['a', 'b', 'c']))
  })

  it('after a timeout, asks that unit again only after a whole timeout of silence; other units after t3.5', async () => {
    const line = new FakeLine(new Map([[1, device(1)], [2, device(2, 'offline')]]))
    const { listener } = collect()
    const dead: BusDevice = { poller: new DevicePoller('dead', 2, gas, 1), pollMs: 50, priority: 'safety' }
    worker = new BusWorker({ id: 'rs485', master: line, timeoutMs: 40, silenceMs: 2, maxInFlight: 1 }, [dead, slot('alive', 1, 50)], listener)
    const original = line.execute.bind(line)
    const lateBytes: number[] = []
    line.execute = async (request, timeoutMs) => {
      try {
        return await original(request, timeoutMs)
      } finally {
        if (request.unit === 2) {
          // the "dead" device answers late, 15 ms after the master gave up
          setTimeout(() => {
            line.lastByte = performance.now()
            lateBytes.push(line.lastByte)
          }, 15)
        }
      }
    }
    worker.start()
    await until(() => line.frames.filter((f) => f.unit === 2).length >= 2 && line.frames.some((f) => f.unit === 1), 'a retry to the dead unit and a request to the live one')
    const [first, retry] = line.frames.filter((f) => f.unit === 2)
    const lateAfterFirst = lateBytes.find((t) => t > first!.end)!
    expect(retry!.start - lateAfterFirst).toBeGreaterThanOrEqual(39.9)
    const live = line.frames.find((f) => f.unit === 1)!
    const lastLateBefore = Math.max(...lateBytes.filter((t) => t < live.start))
    expect(live.start - lastLateBefore).toBeGreaterThanOrEqual(1.9)
  })

  it('polls safety devices first when the bus is saturated', async () => {
    const line = new FakeLine(new Map([[1, device(1)], [2, device(2)]]))
    const { listener } = collect()
    worker = new BusWorker({ id: 'rs485', master: line, timeoutMs: 50, silenceMs: 0, maxInFlight: 1 }, [slot('inventory', 1, 50, 'inventory'), slot('safety', 2, 50, 'safety')], listener)
    worker.start()
    await until(() => line.frames.length >= 10, '10 frames')
    expect(line.frames[0]!.unit).toBe(2)
  })

  it('quarantines a dead device: offline event, comm-fail samples, the others keep their pace', async () => {
    const line = new FakeLine(new Map([[1, device(1)], [2, device(2, 'offline')]]))
    const { listener, samples, events } = collect()
    worker = new BusWorker({ id: 'rs485', master: line, timeoutMs: 30, silenceMs: 0, maxInFlight: 1, health: { offlineAfter: 2, firstBackoffMs: 2000, maxBackoffMs: 4000 } },
      [slot('alive', 1, 20), slot('dead', 2, 20)], listener)
    worker.start()
    await until(() => events.some((e) => e.type === 'device-state' && e.device === 'dead' && e.to === 'offline'), 'dead device offline')
    const probesBefore = line.frames.filter((f) => f.unit === 2).length
    const aliveBefore = samples.filter((s) => s.device === 'alive').length
    const deadBefore = samples.filter((s) => s.device === 'dead').length
    await new Promise((r) => setTimeout(r, 500))
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
    const line = new FakeLine(new Map([[1, device(1)]]))
    const { listener, samples, events } = collect()
    worker = new BusWorker({ id: 'usb0', master: line, timeoutMs: 30, silenceMs: 0, maxInFlight: 1, reopenMs: 50 }, [slot('a', 1, 20)], listener)
    worker.start()
    await until(() => samples.some((s) => s.quality === 'good'), 'first good sample')
    line.failOpen = true
    line.drop()
    await until(() => events.some((e) => e.type === 'line-state' && e.state === 'down'), 'line down event')
    await until(() => samples.some((s) => s.quality === 'comm-fail' && s.reason?.includes('line usb0 down') === true), 'comm-fail while down')
    const opensWhileDown = line.opens
    line.failOpen = false
    await until(() => events.some((e) => e.type === 'line-state' && e.state === 'open'), 'line open event')
    expect(line.opens).toBeGreaterThan(opensWhileDown)
    const after = samples.length
    await until(() => samples.slice(after).some((s) => s.quality === 'good'), 'good samples again')
  })

  it('polls every device once for --once, in priority order, and reports who could not be read', async () => {
    const line = new FakeLine(new Map([[1, device(1)]]))
    const { listener } = collect()
    worker = new BusWorker({ id: 'rs485', master: line, timeoutMs: 30, silenceMs: 0, maxInFlight: 1 }, [slot('a', 1, 1000), slot('missing', 7, 1000, 'safety')], listener)
    const results = await worker.pollOnce()
    expect(results.map((r) => [r.device, r.outcome])).toEqual([['missing', 'no-answer'], ['a', 'ok']])
  })
})

describe('BusWorker on TCP', () => {
  it('pipelines up to maxInFlight polls on one connection', async () => {
    const line = new FakeLine(new Map([1, 2, 3, 4].map((u) => [u, device(u)])), 10)
    const { listener } = collect()
    worker = new BusWorker({ id: 'plc', master: line, timeoutMs: 100, silenceMs: 0, maxInFlight: 3 }, [1, 2, 3, 4].map((u) => slot(`d${u}`, u, 20)), listener)
    worker.start()
    await until(() => line.frames.length >= 20, '20 frames')
    expect(line.maxInFlight).toBe(3)
  })
})

describe('BusWorker overlaps decoding with the next request', () => {
  it('puts the next device\'s request on the line before it emits the samples of the poll that just read', async () => {
    const line = new FakeLine(new Map([[1, device(1)], [2, device(2)]]), 1)
    const log: string[] = []
    const original = line.execute.bind(line)
    line.execute = (request, timeoutMs) => {
      log.push(`request ${request.unit}`)
      return original(request, timeoutMs)
    }
    const listener = { samples: (batch: Sample[]) => log.push(`samples ${batch[0]!.device}`), event: () => {} }
    worker = new BusWorker({ id: 'plc', master: line, timeoutMs: 100, silenceMs: 0, maxInFlight: 1, random: () => 0 }, [slot('a', 1, 1), slot('b', 2, 1)], listener)
    worker.start()
    await until(() => log.filter((l) => l.startsWith('samples')).length >= 6, 'six polls')
    expect(line.maxInFlight).toBe(1)
    // every poll after the first: the samples of one device come after the other device's request went out
    const firstSamples = log.indexOf('samples a')
    expect(log.slice(0, firstSamples).at(-1)).toBe('request 2')
    for (let i = 1; i < log.length; i++) {
      if (log[i]!.startsWith('samples')) expect(log[i - 1]).toMatch(/^request /u)
    }
  })

  it('stop() waits for a poll still decoding: no samples once it has returned', async () => {
    const line = new FakeLine(new Map([[1, device(1)], [2, device(2)]]), 1)
    const { listener, samples } = collect()
    worker = new BusWorker({ id: 'plc', master: line, timeoutMs: 100, silenceMs: 0, maxInFlight: 1 }, [slot('a', 1, 1), slot('b', 2, 1)], listener)
    worker.start()
    await until(() => samples.length >= 20, 'a few polls')
    await worker.stop()
    worker = undefined
    const count = samples.length
    await new Promise((r) => setTimeout(r, 30))
    expect(samples.length).toBe(count)
  })
})

