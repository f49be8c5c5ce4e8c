/** Unit: writes through the bus worker on an in-process line, its time on a ManualClock; and what a channel write puts on the wire. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { BusWorker, type BusDevice } from '../../../edge-agent/src/poll/bus-worker.ts'
import { DevicePoller } from '../../../edge-agent/src/poll/device-poller.ts'
import { writeRequestFor, WriteRefusedError } from '../../../edge-agent/src/poll/engine.ts'
import type { ModbusRequest } from '../../../edge-agent/src/modbus/master.ts'
import { SimulatedDevice } from '../../../edge-agent/src/simulator/index.ts'
import { compileProfile, type Profile } from '../../../hardware-profiles/index.ts'
import { ModbusError, ModbusExceptionError, ModbusTimeoutError, ModbusTransportError } from '../../../protocols/modbus/index.ts'
import type { Sample } from '../../../protocols/sample.ts'
import { GAS_PROFILE, RELAY_PROFILE, profileFromYaml } from '../../support/profiles.ts'
import { FakeLine } from './fake-line.ts'
import { ManualClock } from './manual-clock.ts'

const gas = profileFromYaml(GAS_PROFILE)
const relay = profileFromYaml(RELAY_PROFILE)
const RELAY_UNIT = 9

const simulated = (profile: Profile, unit: number) => new SimulatedDevice({ profile, unit, scenario: 'static', feedbackDelayMs: 0 })
const gasSlot = (id: string, unit: number, pollMs: number): BusDevice => ({ poller: new DevicePoller(id, unit, gas, 0), pollMs, priority: 'normal' })
const cutOut1 = { kind: 'write-coil', unit: RELAY_UNIT, address: 0, value: true } as const
const isWrite = (r: ModbusRequest | undefined) => r !== undefined && r.kind.startsWith('write')

function collect() {
  const samples: Sample[] = []
  return { samples, listener: { samples: (s: Sample[]) => void samples.push(...s), event: () => {} } }
}

let clock: ManualClock
let worker: BusWorker | undefined
beforeEach(() => {
  clock = new ManualClock()
})
afterEach(async () => {
  if (worker) await clock.runUntilSettled('stop()', worker.stop())
  worker = undefined
})

describe('BusWorker.write: ahead of every poll', () => {
  it('a write issued while a poll is on a one-slot line goes out right after that transaction, before the other due polls', async () => {
    const relayDevice = simulated(relay, RELAY_UNIT)
    const line = new FakeLine(clock, new Map([[1, simulated(gas, 1)], [2, simulated(gas, 2)], [3, simulated(gas, 3)], [RELAY_UNIT, relayDevice]]), 3)
    const { listener } = collect()
    worker = new BusWorker({ id: 'rs485', master: line, timeoutMs: 100, silenceMs: 1, maxInFlight: 1, clock }, [gasSlot('a', 1, 1), gasSlot('b', 2, 1), gasSlot('c', 3, 1)], listener)
    let written: Promise<void> | undefined
    let issuedAt = -1
    let sentAtOnce = false
    line.onRequest = (request) => {
      // a few polls in, with every device due all the time
      if (written || request.kind !== 'read' || line.log.length < 8) return
      issuedAt = line.log.length - 1
      written = worker!.write(cutOut1)
      sentAtOnce = line.log.length > issuedAt + 1
    }
    worker.start()
    await clock.advance(200)
    expect(written, 'the write issued').toBeDefined()
    await clock.runUntilSettled('the write', written!)
    // it was queued: the read in flight kept the line
    expect(sentAtOnce).toBe(false)
    expect(line.log[issuedAt + 1]).toEqual(cutOut1)
    expect(line.log.filter(isWrite)).toHaveLength(1)
    expect(line.maxInFlight).toBe(1)
    expect(relayDevice.read('coil', 0, 1)).toEqual([1])
  })

  it('on a free line the transaction starts inside write(), before it returns, silence or not', async () => {
    for (const silenceMs of [0, 2]) {
      const line = new FakeLine(clock, new Map([[1, simulated(gas, 1)], [RELAY_UNIT, simulated(relay, RELAY_UNIT)]]))
      const { listener, samples } = collect()
      worker = new BusWorker({ id: 'line', master: line, timeoutMs: 100, silenceMs, maxInFlight: 1, clock }, [gasSlot('a', 1, 60_000)], listener)
      worker.start()
      await clock.advance(100)
      expect(samples.length, 'first poll').toBeGreaterThan(0)
      // the line has been quiet for longer than t3.5: no wait needed
      await clock.advance(10)
      const before = line.log.length
      const written = worker.write(cutOut1)
      expect(line.log.length, `silenceMs ${silenceMs}`).toBe(before + 1)
      expect(line.log.at(-1)).toEqual(cutOut1)
      await clock.runUntilSettled('the write', written)
      const { transactions } = worker.status()
      expect(transactions).toBe(before + 1)
      await clock.runUntilSettled('stop()', worker.stop())
      worker = undefined
    }
  })

  it('a failed write rejects with the typed error, is not retried, and polling goes on', async () => {
    const line = new FakeLine(clock, new Map([[1, simulated(gas, 1)], [RELAY_UNIT, simulated(relay, RELAY_UNIT)]]))
    const { listener, samples } = collect()
    worker = new BusWorker({ id: 'line', master: line, timeoutMs: 30, silenceMs: 0, maxInFlight: 1, clock }, [gasSlot('a', 1, 5)], listener)
    worker.start()
    await clock.advance(100)
    expect(samples.length, 'first poll').toBeGreaterThan(0)
    // coil 7 is not in the relay's map: exception 02
    const refused = await clock.runUntilSettled('the refused write', worker.write({ kind: 'write-coil', unit: RELAY_UNIT, address: 7, value: true }).catch((e: unknown) => e))
    expect(refused).toBeInstanceOf(ModbusExceptionError)
    expect(refused).toMatchObject({ code: 'MODBUS_ILLEGAL_DATA_ADDRESS' })
    // nobody at unit 42: a timeout, sent once
    const unanswered = await clock.runUntilSettled('the unanswered write', worker.write({ kind: 'write-register', unit: 42, address: 10, value: 3 }).catch((e: unknown) => e))
    expect(unanswered).toBeInstanceOf(ModbusTimeoutError)
    expect(line.log.filter((r) => r.unit === 42)).toHaveLength(1)
    const after = samples.length
    await clock.advance(200)
    expect(samples.length, 'polls after the failed writes').toBeGreaterThan(after + 10)
    expect(samples.at(-1)!.quality).toBe('good')
  })

  it('a write to the device being polled waits for that poll\'s reads: no poll straddles a write to its device', async () => {
    const line = new FakeLine(clock, new Map([[RELAY_UNIT, simulated(relay, RELAY_UNIT)]]), 2)
    const { listener } = collect()
    // three blocks a poll: coils, discretes, the holding register
    const polled: BusDevice = { poller: new DevicePoller('relay', RELAY_UNIT, relay, 0), pollMs: 1, priority: 'safety' }
    expect(polled.poller.plan.blocks).toHaveLength(3)
    worker = new BusWorker({ id: 'line', master: line, timeoutMs: 100, silenceMs: 0, maxInFlight: 1, clock }, [polled], listener)
    let written: Promise<void> | undefined
    let issuedAt = -1
    line.onRequest = (request) => {
      if (written || request.kind !== 'read' || request.table !== 'coil' || line.log.length < 5) return
      issuedAt = line.log.length - 1
      written = worker!.write(cutOut1)
    }
    worker.start()
    await clock.advance(200)
    expect(written, 'the write issued').toBeDefined()
    await clock.runUntilSettled('the write', written!)
    expect(line.log.slice(issuedAt, issuedAt + 4).map((r) => (r.kind === 'read' ? r.table : r.kind))).toEqual(['coil', 'discrete', 'holding', 'write-coil'])
  })

  it('writes queued behind a busy line go out first come, first served', async () => {
    const line = new FakeLine(clock, new Map([[1, simulated(gas, 1)], [RELAY_UNIT, simulated(relay, RELAY_UNIT)]]), 3)
    const { listener } = collect()
    worker = new BusWorker({ id: 'line', master: line, timeoutMs: 100, silenceMs: 0, maxInFlight: 1, clock }, [gasSlot('a', 1, 1)], listener)
    let writes: Promise<void>[] | undefined
    line.onRequest = (request) => {
      if (writes || request.kind !== 'read' || line.log.length < 4) return
      writes = [0, 1].map((address) => worker!.write({ kind: 'write-coil', unit: RELAY_UNIT, address, value: true }))
    }
    worker.start()
    await clock.advance(200)
    expect(writes, 'writes issued').toBeDefined()
    await clock.runUntilSettled('the writes', Promise.all(writes!))
    const at = line.log.findIndex(isWrite)
    expect(line.log.slice(at, at + 2)).toEqual([0, 1].map((address) => ({ kind: 'write-coil', unit: RELAY_UNIT, address, value: true })))
  })
})

describe('BusWorker.write: a device that holds the line (interlock inputs)', () => {
  it('a write queued from the listener\'s samples() is the very next transaction on the line', async () => {
    const line = new FakeLine(clock, new Map([[1, simulated(gas, 1)], [2, simulated(gas, 2)], [RELAY_UNIT, simulated(relay, RELAY_UNIT)]]), 1)
    const watched: BusDevice = { poller: new DevicePoller('relay', RELAY_UNIT, relay, 0), pollMs: 1, priority: 'safety', holdLine: true }
    let written: Promise<void> | undefined
    let logAtSamples = -1
    const listener = {
      samples: (batch: Sample[]) => {
        if (written || batch[0]!.device !== 'relay' || line.log.length < 10) return
        logAtSamples = line.log.length
        written = worker!.write(cutOut1)
      },
      event: () => {},
    }
    worker = new BusWorker({ id: 'line', master: line, timeoutMs: 100, silenceMs: 0, maxInFlight: 1, clock }, [watched, gasSlot('a', 1, 1), gasSlot('b', 2, 1)], listener)
    worker.start()
    await clock.advance(200)
    expect(written, 'the write issued from samples()').toBeDefined()
    // the relay's own read was the last thing on the line when its samples arrived
    expect(line.log[logAtSamples - 1]).toMatchObject({ kind: 'read', unit: RELAY_UNIT })
    await clock.runUntilSettled('the write', written!)
    expect(line.log[logAtSamples]).toEqual(cutOut1)
  })
})

describe('BusWorker.write: a line that cannot carry it', () => {
  it('rejects at once with MODBUS_TRANSPORT when the worker is stopped or the line is down; queued writes too', async () => {
    const line = new FakeLine(clock, new Map([[1, simulated(gas, 1)], [RELAY_UNIT, simulated(relay, RELAY_UNIT)]]), 20)
    const { listener, samples } = collect()
    worker = new BusWorker({ id: 'usb0', master: line, timeoutMs: 100, silenceMs: 0, maxInFlight: 1, reopenMs: 50, clock }, [gasSlot('a', 1, 1)], listener)
    const beforeStart = await worker.write(cutOut1).catch((e: unknown) => e)
    expect(beforeStart).toBeInstanceOf(ModbusError)
    expect(beforeStart).toMatchObject({ code: 'MODBUS_TRANSPORT' })
    worker.start()
    await clock.advance(100)
    expect(samples.length > 0 && line.inFlight > 0, 'a poll on the line').toBe(true)
    const queued = worker.write(cutOut1).catch((e: unknown) => e)
    line.failOpen = true
    line.drop()
    expect(await queued).toMatchObject({ code: 'MODBUS_TRANSPORT', message: expect.stringMatching(/line usb0 down/u) })
    const whileDown = await worker.write(cutOut1).catch((e: unknown) => e)
    expect(whileDown).toBeInstanceOf(ModbusTransportError)
    expect(line.log.filter(isWrite)).toHaveLength(0)
  })
})

describe('BusWorker.pollSoon', () => {
  it('brings a device\'s next poll forward, also when asked while it is being polled', async () => {
    const line = new FakeLine(clock, new Map([[1, simulated(gas, 1)]]), 5)
    const { listener, samples } = collect()
    worker = new BusWorker({ id: 'line', master: line, timeoutMs: 100, silenceMs: 0, maxInFlight: 1, random: () => 0, clock }, [gasSlot('a', 1, 60_000)], listener)
    let asked = false
    line.onRequest = () => {
      if (asked) return
      asked = true
      worker!.pollSoon('a', 20)
    }
    worker.start()
    const polls = () => samples.filter((s) => s.channel === 'lel').length
    await clock.advance(100)
    expect(polls(), 'the poll asked for during the first one').toBe(2)
    worker.pollSoon('a')
    await clock.advance(100)
    expect(polls(), 'the poll asked for while idle').toBe(3)
  })
})

describe('writeRequestFor: what a channel write puts on the wire', () => {
  const numeric = profileFromYaml(`
id: test-setpoints
version: 1.0.0
vendor: Test
model: S1
name: { en: Setpoints, zh: 设定 }
kind: controller
systems: [monitoring]
transports: [tcp]
identification:
  signature: { table: holding, address: 0, values: [1] }
channels:
  - { id: sig, name: { en: Sig, zh: 标 }, table: holding, address: 0, type: uint16, role: identity }
  - { id: limit, name: { en: Limit, zh: 限 }, table: holding, address: 1, type: int16, scale: 0.1, offset: -10, writable: true, range: { min: -20, max: 50 } }
  - { id: total, name: { en: Total, zh: 总 }, table: holding, address: 2, type: uint32, order: CDAB, writable: true, range: { min: 0, max: 100000 } }
  - { id: gain, name: { en: Gain, zh: 增益 }, table: holding, address: 4, type: float32, writable: true, range: { min: 0, max: 10 } }
  - { id: flag, name: { en: Flag, zh: 标志 }, table: holding, address: 6, type: bit, bit: 3, writable: true }
  - { id: level, name: { en: Level, zh: 液位 }, table: input, address: 0, type: uint16, unit: m, range: { min: 0, max: 10 } }
vectors:
  - name: zero
    registers: { holding: { "0": [1, 100, 0, 0, 0, 0, 0] }, input: { "0": [1] } }
    expect: { sig: 1, limit: 0, total: 0, gain: 0, flag: false, level: 1 }
`)
  const relayCompiled = compileProfile(relay)
  const compiled = compileProfile(numeric)

  it('a coil with FC 05, a 16-bit register with FC 06 (scale and offset undone), wider values with FC 16 in the channel\'s word order', () => {
    expect(writeRequestFor(relayCompiled, 4, 'out2', false)).toEqual({ kind: 'write-coil', unit: 4, address: 1, value: false })
    expect(writeRequestFor(relayCompiled, 4, 'setpoint', 30)).toEqual({ kind: 'write-register', unit: 4, address: 10, value: 30 })
    // (-12.5 + 10) / 0.1 = -25 as int16
    expect(writeRequestFor(compiled, 1, 'limit', -12.5)).toEqual({ kind: 'write-register', unit: 1, address: 1, value: 0x10000 - 25 })
    expect(writeRequestFor(compiled, 1, 'total', 70000)).toEqual({ kind: 'write-registers', unit: 1, address: 2, values: [4464, 1] })
    expect(writeRequestFor(compiled, 1, 'gain', 1.5)).toEqual({ kind: 'write-registers', unit: 1, address: 4, values: [0x3fc0, 0] })
  })

  it('refuses, with WRITE_REFUSED, what it cannot write as asked', () => {
    const refusal = (profile: typeof compiled, channel: string, value: number | boolean) => {
      try {
        writeRequestFor(profile, 1, channel, value)
      } catch (error) {
        expect(error).toBeInstanceOf(WriteRefusedError)
        expect(error).toMatchObject({ code: 'WRITE_REFUSED' })
        return (error as Error).message
      }
      throw new Error(`${channel} = ${String(value)} was not refused`)
    }
    expect(refusal(relayCompiled, 'fb1', true)).toMatch(/discrete is read-only/u)
    expect(refusal(compiled, 'level', 1)).toMatch(/input is read-only/u)
    expect(refusal(compiled, 'sig', 1)).toMatch(/not declared writable/u)
    expect(refusal(compiled, 'flag', true)).toMatch(/read-modify-write, which is not supported/u)
    expect(refusal(relayCompiled, 'out1', 1)).toMatch(/takes true or false/u)
    expect(refusal(compiled, 'limit', true)).toMatch(/takes a finite number/u)
    expect(refusal(compiled, 'limit', Number.NaN)).toMatch(/takes a finite number/u)
    expect(refusal(compiled, 'limit', 51)).toMatch(/outside -20\.\.50/u)
    expect(refusal(compiled, 'nope', 1)).toMatch(/no such channel/u)
  })
})
