import { describe, expect, it } from 'vitest'
import { BusWorker } from '../../../edge-agent/src/poll/bus-worker.ts'
import { DevicePoller, type Transact } from '../../../edge-agent/src/poll/device-poller.ts'
import { SimulatedDevice } from '../../../edge-agent/src/simulator/index.ts'
import { handleRequest, ModbusExceptionError, ModbusTimeoutError, type Table } from '../../../protocols/modbus/index.ts'
import type { ModbusRequest } from '../../../edge-agent/src/modbus/master.ts'
import type { Sample } from '../../../protocols/sample.ts'
import { GAS_PROFILE, RELAY_PROFILE, profileFromYaml } from '../../support/profiles.ts'

const gas = profileFromYaml(GAS_PROFILE)
const relay = profileFromYaml(RELAY_PROFILE)

/** A transact that answers from a simulated device in-process, with hooks to misbehave. */
function deviceTransact(device: SimulatedDevice, misbehave?: (request: ModbusRequest) => Error | undefined) {
  const log: ModbusRequest[] = []
  const transact: Transact = async (request) => {
    log.push(request)
    const failure = misbehave?.(request)
    if (failure) throw failure
    if (request.kind === 'read') return device.read(request.table, request.address, request.count)
    if (request.kind === 'identify') {
      const answer = handleRequest(device, Uint8Array.from([0x2b, 0x0e, 1, 0]))
      if (answer[0]! & 0x80) throw new ModbusExceptionError(answer[1]!, 43)
      return device.identity()
    }
    return undefined
  }
  return { transact, log }
}

const byChannel = (samples: Sample[]): Record<string, Sample> => Object.fromEntries(samples.map((s) => [s.channel, s]))

describe('DevicePoller', () => {
  it('reads every block of the plan and decodes good samples', async () => {
    const poller = new DevicePoller('gas-1', 1, gas, 1, () => 42)
    const { transact, log } = deviceTransact(new SimulatedDevice({ profile: gas, unit: 1, scenario: 'static' }))
    const result = await poller.poll(transact)
    expect(result.outcome).toBe('ok')
    expect(log).toHaveLength(poller.plan.blocks.length)
    expect(byChannel(result.samples).lel).toEqual({ device: 'gas-1', channel: 'lel', ts: 42, value: 1.2, quality: 'good' })
  })

  it('a read of only some channels reads their blocks with their status flags, and reports what it read', async () => {
    const poller = new DevicePoller('gas-1', 1, gas, 0, () => 42)
    const { transact, log } = deviceTransact(new SimulatedDevice({ profile: gas, unit: 1, scenario: 'static' }))
    const result = await poller.poll(transact, { only: ['lel'] })
    expect(log).toEqual([{ kind: 'read', unit: 1, table: 'input', address: 0, count: 4 }])
    expect(result.outcome).toBe('ok')
    expect(result.samples.map((s) => s.channel).sort()).toEqual(['fault', 'lel', 'o2', 'run_state'])
    expect(byChannel(result.samples).lel).toEqual({ device: 'gas-1', channel: 'lel', ts: 42, value: 1.2, quality: 'good' })
  })

  it('a read of only some channels that gets no answer fails those channels alone', async () => {
    const poller = new DevicePoller('gas-1', 1, gas, 0, () => 42)
    const { transact } = deviceTransact(new SimulatedDevice({ profile: gas, unit: 1, scenario: 'static' }), () => new ModbusTimeoutError(100))
    const result = await poller.poll(transact, { only: ['lel'] })
    expect(result.outcome).toBe('no-answer')
    expect(result.samples).toEqual([expect.objectContaining({ channel: 'lel', value: null, quality: 'comm-fail' })])
  })

  it('a read of only a channel governed by a status flag in another block reads that block too', async () => {
    const split = profileFromYaml(GAS_PROFILE
      .replace('{ id: fault, name: { en: Fault, zh: 故障 }, table: input, address: 2', '{ id: fault, name: { en: Fault, zh: 故障 }, table: input, address: 40')
      .replace('registers: { input: { "0": [12, 209, 0, 2] }', 'registers: { input: { "0": [12, 209, 0, 2], "40": [0] }'))
    const poller = new DevicePoller('gas-1', 1, split, 0, () => 42)
    const { transact, log } = deviceTransact(new SimulatedDevice({ profile: split, unit: 1, scenario: 'static' }))
    const result = await poller.poll(transact, { only: ['lel'] })
    expect(log.map((r) => r.kind === 'read' && `${r.table} ${r.address}`)).toEqual(['input 0', 'input 40'])
    expect(byChannel(result.samples).lel?.quality).toBe('good')
  })

  it('retries a timeout, then gives up on the device for this poll without reading further blocks', async () => {
    const poller = new DevicePoller('gas-1', 1, gas, 2)
    const { transact, log } = deviceTransact(new SimulatedDevice({ profile: gas, unit: 1, scenario: 'static' }), () => new ModbusTimeoutError(100))
    const result = await poller.poll(transact)
    expect(log).toHaveLength(3)
    expect(result.outcome).toBe('no-answer')
    expect(result.samples.every((s) => s.quality === 'comm-fail' && s.value === null)).toBe(true)
  })

  it('a probe does not retry', async () => {
    const poller = new DevicePoller('gas-1', 1, gas, 2)
    const { transact, log } = deviceTransact(new SimulatedDevice({ profile: gas, unit: 1, scenario: 'static' }), () => new ModbusTimeoutError(100))
    await poller.poll(transact, { probe: true })
    expect(log).toHaveLength(1)
  })

  it('splits a block the device refuses with exception 02 and keeps reading the rest, for good', async () => {
    const merged = profileFromYaml(GAS_PROFILE.replace('table: holding, address: 20, type: uint16, role: identity', 'table: input, address: 8, type: uint16, role: identity')
      .replace('signature: { table: holding, address: 20, values: [0x4731] }', 'signature: { table: input, address: 8, values: [0x4731] }')
      .replace('registers: { input: { "0": [12, 209, 0, 2] }, holding: { "20": [0x4731] } }', 'registers: { input: { "0": [12, 209, 0, 2], "8": [0x4731] } }'))
    const poller = new DevicePoller('gas-1', 1, merged, 0)
    expect(poller.plan.blocks).toEqual([{ table: 'input', address: 0, count: 9, points: ['lel', 'o2', 'fault', 'run_state', 'signature'] }])
    const device = new SimulatedDevice({ profile: merged, unit: 1, scenario: 'static' })
    const refuses = (r: ModbusRequest) => (r.kind === 'read' && r.address <= 5 && r.address + r.count > 5 ? new ModbusExceptionError(2, 4) : undefined)
    const { transact, log } = deviceTransact(device, refuses)
    const first = await poller.poll(transact)
    expect(first.outcome).toBe('ok')
    expect(byChannel(first.samples).lel!.value).toBe(1.2)
    expect(byChannel(first.samples).signature!.value).toBe(0x4731)
    expect(log.map((r) => r.kind === 'read' && [r.address, r.count])).toEqual([[0, 9], [0, 4], [8, 1]])
    log.length = 0
    await poller.poll(transact)
    expect(log.map((r) => r.kind === 'read' && [r.address, r.count])).toEqual([[0, 4], [8, 1]])
  })

  it('marks a point the device refuses on its own as device-fault, not as a value', async () => {
    const poller = new DevicePoller('relay-1', 1, relay, 0)
    const device = new SimulatedDevice({ profile: relay, unit: 1, scenario: 'static' })
    const { transact } = deviceTransact(device, (r) => (r.kind === 'read' && r.table === ('holding' as Table) ? new ModbusExceptionError(2, 3) : undefined))
    const result = await poller.poll(transact)
    expect(byChannel(result.samples).setpoint).toMatchObject({ value: null, quality: 'device-fault' })
    expect(byChannel(result.samples).out1).toMatchObject({ value: false, quality: 'good' })
  })

  it('reports a device failure exception as a fault of the block, and a fault flag as a device fault', async () => {
    const poller = new DevicePoller('gas-1', 1, gas, 0)
    const failing = deviceTransact(new SimulatedDevice({ profile: gas, unit: 1, scenario: 'static' }), () => new ModbusExceptionError(4, 3))
    const failed = await poller.poll(failing.transact)
    expect(failed.outcome).toBe('fault')
    expect(failed.samples.every((s) => s.quality === 'device-fault')).toBe(true)
    const flagged = await poller.poll(deviceTransact(new SimulatedDevice({ profile: gas, unit: 1, scenario: 'fault' })).transact)
    expect(flagged.outcome).toBe('fault')
    expect(byChannel(flagged.samples).lel!.quality).toBe('device-fault')
  })

  it('identifies a device by FC 43/14 and flags a different model', async () => {
    const poller = new DevicePoller('relay-1', 1, relay, 0)
    const device = new SimulatedDevice({ profile: relay, unit: 1, scenario: 'static' })
    expect(await poller.identify(deviceTransact(device).transact)).toEqual({ identity: { vendorName: 'Test Co', productCode: 'R2', revision: '1.4', modelName: 'R2-24V' } })
    const other = new DevicePoller('relay-2', 1, profileFromYaml(RELAY_PROFILE.replace('productCode: R2,', 'productCode: R9,')), 0)
    const result = await other.identify(deviceTransact(device).transact)
    expect(result.mismatch).toContain('device reports product code "R2"')
    const poll = await other.poll(deviceTransact(device).transact)
    expect(poll.outcome).toBe('fault')
    expect(poll.samples.every((s) => s.quality === 'device-fault' && s.value === null)).toBe(true)
  })

  it('checks the signature registers of a device without FC 43/14', async () => {
    const poller = new DevicePoller('gas-1', 1, gas, 0)
    const device = new SimulatedDevice({ profile: gas, unit: 1, scenario: 'static' })
    expect(await poller.identify(deviceTransact(device).transact)).toEqual({})
    device.image.write('holding', 20, [0x1234])
    const wrong = new DevicePoller('gas-2', 1, gas, 0)
    expect((await wrong.identify(deviceTransact(device).transact)).mismatch).toContain('signature holding 20 reads 0x1234')
  })

  it('a device failing (exception 04) during identification is asked again later, not called another model', async () => {
    const poller = new DevicePoller('relay-1', 1, relay, 0)
    const device = new SimulatedDevice({ profile: relay, unit: 1, scenario: 'static' })
    const failing = await poller.identify(deviceTransact(device, () => new ModbusExceptionError(4, 43)).transact)
    expect(failing).toMatchObject({ retry: true, noAnswer: false })
    expect(poller.identityChecked).toBe(false)
    expect(poller.identityMismatch).toBeUndefined()
    expect((await poller.identify(deviceTransact(device).transact)).mismatch).toBeUndefined()
    expect(poller.identityChecked).toBe(true)
  })

  it('keeps reporting a point the device refused as device-fault on later polls', async () => {
    const poller = new DevicePoller('relay-1', 1, relay, 0)
    const device = new SimulatedDevice({ profile: relay, unit: 1, scenario: 'static' })
    const { transact } = deviceTransact(device, (r) => (r.kind === 'read' && r.table === ('holding' as Table) ? new ModbusExceptionError(2, 3) : undefined))
    await poller.poll(transact)
    const later = await poller.poll(transact)
    expect(byChannel(later.samples).setpoint).toMatchObject({ value: null, quality: 'device-fault', reason: expect.stringContaining('exception 02') })
  })

  it('leaves identification for later when the device does not answer', async () => {
    const poller = new DevicePoller('relay-1', 1, relay, 0)
    const { transact } = deviceTransact(new SimulatedDevice({ profile: relay, unit: 1, scenario: 'static' }), () => new ModbusTimeoutError(10))
    expect(await poller.identify(transact)).toMatchObject({ retry: true, noAnswer: true, reason: expect.stringContaining('no answer') })
    expect(poller.identityChecked).toBe(false)
  })

  it('calls readsDone once the last answer is in and decodes a microtask turn later, to the same samples', async () => {
    const device = new SimulatedDevice({ profile: gas, unit: 1, scenario: 'static' })
    const order: string[] = []
    const { transact } = deviceTransact(device, (r) => {
      order.push(r.kind === 'read' ? `read ${r.table} ${r.address}` : r.kind)
      return undefined
    })
    const poller = new DevicePoller('gas-1', 1, gas, 1, () => 42)
    const result = await poller.poll(transact, {
      readsDone: () => {
        order.push('reads done')
        // what the bus worker does here: put the next request on the line before this poll decodes
        queueMicrotask(() => order.push('next request'))
      },
    })
    order.push('decoded')
    expect(order).toEqual([...poller.plan.blocks.map((b) => `read ${b.table} ${b.address}`), 'reads done', 'next request', 'decoded'])
    const plain = await new DevicePoller('gas-1', 1, gas, 1, () => 42).poll(deviceTransact(device).transact)
    expect(result).toEqual(plain)
  })

  it('calls readsDone also when the device stops answering, and decodes what it has', async () => {
    let reads = 0
    const { transact } = deviceTransact(new SimulatedDevice({ profile: gas, unit: 1, scenario: 'static' }), () => (reads++ > 0 ? new ModbusTimeoutError(10) : undefined))
    let done = 0
    const result = await new DevicePoller('gas-1', 1, gas, 0).poll(transact, { readsDone: () => done++ })
    expect(done).toBe(1)
    expect(result.outcome).toBe('no-answer')
    expect(result.samples.some((s) => s.quality === 'good')).toBe(true)
  })
})

describe('a device whose profile has identification none', () => {
  const none = profileFromYaml(RELAY_PROFILE.replace(
    'identification:\n  deviceId: { vendorName: Test Co, productCode: R2, revision: "1.4", modelName: R2-24V }',
    'identification:\n  none: true\n  reason: no identity registers, no FC 43/14'))

  it('is not identified: the poller starts with its identity checked and asks the device nothing for it', async () => {
    const poller = new DevicePoller('relay-1', 1, none, 0)
    expect(poller.identityChecked).toBe(true)
    const { transact, log } = deviceTransact(new SimulatedDevice({ profile: none, unit: 1, scenario: 'static' }))
    expect(await poller.identify(transact)).toEqual({})
    expect(log).toEqual([])
  })

  it('is online on a bus as soon as it answers a poll, with no identity event', async () => {
    const device = new SimulatedDevice({ profile: none, unit: 1, scenario: 'static' })
    const { transact, log } = deviceTransact(device, (r) => (r.kind === 'identify' ? new ModbusExceptionError(1, 43) : undefined))
    const events: unknown[] = []
    const master = {
      isOpen: true, open: async () => {}, close: async () => {}, discardInput: () => {}, lastByteAt: () => undefined, onClose: () => {},
      execute: (request: ModbusRequest) => transact(request),
    }
    const worker = new BusWorker({ id: 'rs485', master, timeoutMs: 50, silenceMs: 0, maxInFlight: 1 },
      [{ poller: new DevicePoller('relay-1', 1, none, 0), pollMs: 1000, priority: 'normal' }], { samples: () => {}, event: (e) => events.push(e) })
    const results = await worker.pollOnce()
    expect(results).toEqual([{ device: 'relay-1', outcome: 'ok', unread: false }])
    expect(log.some((r) => r.kind === 'identify')).toBe(false)
    expect(events).toEqual([expect.objectContaining({ type: 'device-state', device: 'relay-1', from: 'unknown', to: 'online' })])
  })
})

describe('a device that has never answered since start', () => {
  // the gas profile as an RTU device whose factory setting is 19200 8E1
  const rtu = profileFromYaml(GAS_PROFILE.replace('transports: [tcp]', 'transports: [rtu]\nserial: { baud: 19200, parity: even }'))
  const line = { bus: 'rtu-1', framing: { baud: 9600, parity: 'none', dataBits: 8, stopBits: 1 } as const }
  const silent = () => deviceTransact(new SimulatedDevice({ profile: rtu, unit: 3, scenario: 'static' }), () => new ModbusTimeoutError(100))
  const HINT = "no answer from unit 3 since start: check the unit id and the line settings (bus rtu-1 is 9600 8N1; the profile's factory setting is 19200 8E1); last error: no answer within 100 ms"

  it('gets a comm-fail reason saying what to check, with the bus and factory settings when they differ', async () => {
    const poller = new DevicePoller('gas-3', 3, rtu, 0, () => 42, line)
    const { transact } = silent()
    expect(await poller.identify(transact)).toEqual({ retry: true, noAnswer: true, reason: HINT })
    const result = await poller.poll(transact)
    expect(result).toMatchObject({ outcome: 'no-answer', reason: HINT })
    expect(result.samples.every((s) => s.quality === 'comm-fail' && s.reason === HINT)).toBe(true)
  })

  it('leaves the settings out when the bus has the profile\'s, when the profile states none, and on TCP', async () => {
    const plain = 'no answer from unit 3 since start: check the unit id and the line settings; last error: no answer within 100 ms'
    const same = new DevicePoller('gas-3', 3, rtu, 0, () => 42, { bus: 'rtu-1', framing: { baud: 19200, parity: 'even', dataBits: 8, stopBits: 1 } })
    expect((await same.poll(silent().transact)).reason).toBe(plain)
    const unstated = new DevicePoller('gas-3', 3, gas, 0, () => 42, line)
    expect((await unstated.poll(silent().transact)).reason).toBe(plain)
    const tcp = new DevicePoller('gas-3', 3, rtu, 0, () => 42, { bus: 'lan' })
    expect((await tcp.poll(silent().transact)).reason).toBe(plain)
  })

  it('once it has answered (an exception is an answer too), a silence is only a silence', async () => {
    let fail: Error | undefined
    const { transact } = deviceTransact(new SimulatedDevice({ profile: rtu, unit: 3, scenario: 'static' }), () => fail)
    const polled = new DevicePoller('gas-3', 3, rtu, 0, () => 42, line)
    expect((await polled.poll(transact)).outcome).toBe('ok')
    fail = new ModbusTimeoutError(100)
    expect((await polled.poll(transact)).reason).toBe('no answer within 100 ms')
    fail = new ModbusExceptionError(4, 43)
    const refused = new DevicePoller('gas-4', 3, rtu, 0, () => 42, line)
    expect(await refused.identify(transact)).toMatchObject({ retry: true, noAnswer: false })
    fail = new ModbusTimeoutError(100)
    expect((await refused.identify(transact)).reason).toBe('no answer within 100 ms')
  })
})
