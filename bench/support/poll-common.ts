/**
 * Shared by bench/poll.ts and its children: gateway configs built by hand (the checked loader would,
 * rightly, refuse poll periods shorter than an RS-485 bus can serve, which the saturation benches want),
 * and the 30-tag profile of the Neuron workload.
 */
import { compileProfile, parseProfile, type Profile } from '../../hardware-profiles/index.ts'
import { isBitTable, readFrameBytes, transactionWireMs, type SerialFraming, type Table } from '../../protocols/modbus/index.ts'
import type { ModbusClient } from '../../tests/support/modbus-client.ts'
import { DEFAULTS, type ResolvedConfig, type ResolvedDevice, type ResolvedSerialBus, type ResolvedTcpBus } from '../../edge-agent/src/config/index.ts'

export function rtuBus(id: string, path: string, framing: Required<SerialFraming>, extra: Partial<ResolvedSerialBus> = {}): ResolvedSerialBus {
  return { id, type: 'rtu', path, ...framing, timeoutMs: 300, retries: 1, turnaroundMs: 0, armedShare: DEFAULTS.armedShare, armedPollMs: DEFAULTS.armedPollMs, ...extra }
}

export function tcpBus(id: string, host: string, port: number, extra: Partial<ResolvedTcpBus> = {}): ResolvedTcpBus {
  return { id, type: 'tcp', host, port, timeoutMs: 1000, retries: 1, maxInFlight: 1, armedShare: DEFAULTS.armedShare, armedPollMs: DEFAULTS.armedPollMs, ...extra }
}

export function device(id: string, bus: string, unit: number, profile: Profile, pollMs: number): ResolvedDevice {
  return { id, bus, unit, profile: profile.id, pollMs, priority: 'normal', loadedProfile: profile }
}

export function resolvedConfig(buses: ResolvedConfig['buses'], devices: ResolvedDevice[]): ResolvedConfig {
  return { gateway: { id: 'bench-gw', site: 'bench' }, file: '<bench/poll.ts>', hash: 'bench', buses, devices, interlocks: [] }
}

/** Wire time of every planned read of one poll of `profile`, and how many reads that is. */
export function planWire(profile: Profile, framing: SerialFraming): { ms: number; transactions: number } {
  const { blocks } = compileProfile(profile).plan
  let ms = 0
  for (const block of blocks) {
    const { request, response } = readFrameBytes(block.count, isBitTable(block.table))
    ms += transactionWireMs(framing, request, response)
  }
  return { ms, transactions: blocks.length }
}

/**
 * A naive poller's cost: one read per channel (each channel's own registers or bits), and, kinder,
 * one read per distinct register group (channels sharing a register, e.g. status bits, read once).
 */
export function perChannelWire(profile: Profile, framing: SerialFraming): { perChannel: { ms: number; transactions: number }; perGroup: { ms: number; transactions: number } } {
  const compiled = compileProfile(profile)
  const cost = (table: Parameters<typeof isBitTable>[0], count: number) => {
    const { request, response } = readFrameBytes(count, isBitTable(table))
    return transactionWireMs(framing, request, response)
  }
  const perChannel = { ms: 0, transactions: 0 }
  const groups = new Map<string, number>()
  for (const point of compiled.points) {
    const ms = cost(point.table, point.count)
    perChannel.ms += ms
    perChannel.transactions++
    groups.set(`${point.table}:${point.address}:${point.count}`, ms)
  }
  const perGroup = { ms: [...groups.values()].reduce((a, b) => a + b, 0), transactions: groups.size }
  return { perChannel, perGroup }
}

export const NEURON_TAGS = 30

/**
 * 30 tags in holding 0..29, as in Neuron's published 500 × 30 workload: a mix of scaled integers,
 * status words and limits, uint16 each, so one device is one 30-register read.
 */
function neuronProfileText(): string {
  const lines = [
    'id: bench-neuron-30-tags',
    'version: 1.0.0',
    'vendor: Bench',
    'model: N30',
    'name: { en: "Bench device, 30 holding-register tags", zh: "基准测试设备 30 点" }',
    'kind: bench-device',
    'systems: [monitoring]',
    'transports: [tcp]',
    'identification: { deviceId: { vendorName: Bench, productCode: N30, revision: 1.0.0 } }',
    'channels:',
  ]
  const values: number[] = []
  for (let i = 0; i < NEURON_TAGS; i++) {
    const raw = 1000 + i * 37
    values.push(raw)
    lines.push(`  - { id: tag${String(i).padStart(2, '0')}, name: { en: "Tag ${i}", zh: "点 ${i}" }, table: holding, address: ${i}, type: uint16, scale: 0.1, unit: '', range: { min: 0, max: 6553.5 }, simulate: { noise: 0.5 } }`)
  }
  lines.push('vectors:')
  lines.push('  - name: nominal')
  lines.push(`    registers: { holding: { "0": [${values.join(', ')}] } }`)
  lines.push(`    expect: { ${values.map((raw, i) => `tag${String(i).padStart(2, '0')}: ${(raw / 10).toFixed(1)}`).join(', ')} }`)
  return `${lines.join('\n')}\n`
}

let cached: Profile | undefined

export function neuronProfile(): Profile {
  if (cached) return cached
  const { profile, problems } = parseProfile('<bench neuron profile>', neuronProfileText())
  if (!profile) throw new Error(`bench neuron profile is invalid: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`)
  cached = profile
  return profile
}

/** A child's result line: `result {json}`. */
export const RESULT_PREFIX = 'result '

export function parseResult<T>(stdout: string, what: string): T {
  const line = stdout.split('\n').find((l) => l.startsWith(RESULT_PREFIX))
  if (!line) throw new Error(`${what} printed no result line`)
  return JSON.parse(line.slice(RESULT_PREFIX.length)) as T
}

/** One block to read. */
export interface Read {
  unit: number
  table: Table
  address: number
  count: number
}

/** One read through modbus-serial's ordinary API: the unit id set on the client, then the read. */
export function readOnce(client: ModbusClient, read: Read): Promise<unknown> {
  client.setID(read.unit)
  switch (read.table) {
    case 'coil': return client.readCoils(read.address, read.count)
    case 'discrete': return client.readDiscreteInputs(read.address, read.count)
    case 'holding': return client.readHoldingRegisters(read.address, read.count)
    default: return client.readInputRegisters(read.address, read.count)
  }
}
