/**
 * A gateway for a test: a temporary directory, a gateway config YAML written into it, and what a
 * device serving a profile's test vector holds and must read back as.
 *
 *   const dir = tempDir('poll-it')                    // removed by dir.remove() in afterAll
 *   const file = writeGatewayConfig(dir.path, {
 *     buses: [rtuBus('line', '/tmp/x/agent')],
 *     devices: [{ id: 'ch4', bus: 'line', unit: 1, profile: 'ccri-gjc4-catalytic-methane' }],
 *   })
 *   const spec = { units: { 1: unitSpec(profile, 0) } }  // for tests/support/pymodbus/*_server.py
 *   checkVector(samples, 'ch4', profile, 0)            // [] when every channel reads as the vector says
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { stringify } from 'yaml'
import type { GatewayConfig } from '../../edge-agent/src/config/index.ts'
import { compileProfile, type Profile } from '../../hardware-profiles/index.ts'
import type { Table } from '../../protocols/modbus/index.ts'
import type { Quality } from '../../protocols/quality.ts'
import type { Sample } from '../../protocols/sample.ts'

export interface TempDir {
  path: string
  remove(): void
}

/** A fresh directory under the OS temp dir; `remove()` deletes it and everything in it. */
export function tempDir(prefix: string): TempDir {
  const path = mkdtempSync(join(tmpdir(), `${prefix}-`))
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) }
}

type Bus = GatewayConfig['buses'][number]
type Device = GatewayConfig['devices'][number]

/** An RS-485 line; the defaults are the config's own (9600 8N1), timeout and retries as given. */
export function rtuBus(id: string, path: string, options: Partial<Omit<Extract<Bus, { type: 'rtu' }>, 'id' | 'type' | 'path'>> = {}): Bus {
  return { id, type: 'rtu', path, baud: 9600, ...options }
}

/** A Modbus TCP endpoint on 127.0.0.1. */
export function tcpBus(id: string, port: number, options: Partial<Omit<Extract<Bus, { type: 'tcp' }>, 'id' | 'type' | 'port'>> = {}): Bus {
  return { id, type: 'tcp', host: '127.0.0.1', port, ...options }
}

export interface TestGateway {
  buses: Bus[]
  devices: Device[]
  gateway?: GatewayConfig['gateway']
}

/** Write `config.yaml` (or `name`) into `dir`: a gateway id and site are filled in. Returns the path. */
export function writeGatewayConfig(dir: string, config: TestGateway, name = 'config.yaml'): string {
  const full: GatewayConfig = {
    gateway: config.gateway ?? { id: 'test-gw', site: 'test-site' },
    buses: config.buses,
    devices: config.devices,
  }
  const file = join(dir, name)
  writeFileSync(file, `# written by tests/support/gateway-config.ts\n${stringify(full)}`)
  return file
}

/** Write a profile YAML (text) into `dir`; a device's `profile:` may name it by this path. */
export function writeProfile(dir: string, name: string, yaml: string): string {
  const file = join(dir, name)
  writeFileSync(file, yaml)
  return file
}

// ------------------------------------------------------------------ what a device holds for a vector

type Tables = Partial<Record<Table, Record<string, number[]>>>

/**
 * The register image of `profile.vectors[index]` as tcp_server.py / rtu_server.py take it for one unit:
 * every block the read plan covers is present (zeros where the vector says nothing, as a real device
 * holds some value in a hole the planner reads as filler), then the vector's registers on top.
 * A profile with identification.deviceId answers FC 43/14 with it.
 */
export function unitSpec(profile: Profile, index = 0, options: { omit?: { table: Table; address: number }[] } = {}): {
  registers: Tables
  identity?: Record<string, string>
} {
  const vector = profile.vectors[index]
  if (!vector) throw new Error(`${profile.id} has no vector ${index}`)
  const cells: Record<Table, Map<number, number>> = { coil: new Map(), discrete: new Map(), holding: new Map(), input: new Map() }
  for (const block of compileProfile(profile).plan.blocks) {
    for (let a = block.address; a < block.address + block.count; a++) cells[block.table].set(a, 0)
  }
  for (const table of ['coil', 'discrete', 'holding', 'input'] as const) {
    for (const [start, values] of Object.entries(vector.registers[table] ?? {})) {
      values.forEach((value, i) => cells[table].set(Number(start) + i, value))
    }
  }
  for (const { table, address } of options.omit ?? []) cells[table].delete(address)
  const registers: Tables = {}
  for (const table of ['coil', 'discrete', 'holding', 'input'] as const) {
    if (cells[table].size === 0) continue
    // one entry per contiguous run, so the servers' sparse blocks refuse exactly the holes
    const runs: Record<string, number[]> = {}
    let start = -2
    let run: number[] = []
    for (const address of [...cells[table].keys()].sort((a, b) => a - b)) {
      if (address !== start + run.length) {
        start = address
        run = []
        runs[String(address)] = run
      }
      run.push(cells[table].get(address)!)
    }
    registers[table] = runs
  }
  const id = profile.identification.deviceId
  return {
    registers,
    ...(id && {
      identity: {
        vendorName: id.vendorName,
        productCode: id.productCode,
        revision: id.revision,
        ...(id.vendorUrl !== undefined && { vendorUrl: id.vendorUrl }),
        ...(id.productName !== undefined && { productName: id.productName }),
        ...(id.modelName !== undefined && { modelName: id.modelName }),
      },
    }),
  }
}

export interface ExpectedReading {
  /** absent: the vector does not state the value (the quality is still checked) */
  value?: number | boolean | string
  quality: Quality
  float32: boolean
}

/** Channel id → what the vector says it reads as: its value when `expect` names it, its quality (good unless `quality` says otherwise). */
export function expectedReadings(profile: Profile, index = 0): Map<string, ExpectedReading> {
  const vector = profile.vectors[index]!
  const out = new Map<string, ExpectedReading>()
  for (const channel of profile.channels) {
    const value = vector.expect[channel.id]
    out.set(channel.id, {
      ...(value !== undefined && { value }),
      quality: vector.quality?.[channel.id] ?? 'good',
      float32: channel.type === 'float32',
    })
  }
  return out
}

/**
 * Same value as the vector states: exactly, except a float32 channel, which carries 7 significant
 * digits — both sides are compared at float32 precision.
 */
export function sameReading(expected: ExpectedReading, actual: Sample['value']): boolean {
  if (expected.value === undefined) return true
  if (expected.float32 && typeof expected.value === 'number' && typeof actual === 'number') {
    return Math.fround(expected.value) === Math.fround(actual) || Number(expected.value.toPrecision(7)) === Number(actual.toPrecision(7))
  }
  return actual === expected.value
}

/**
 * Every channel of `device` read as vector `index` of `profile` says, one sample each: the problems,
 * one line each ([] when all is well).
 */
export function checkVector(samples: readonly Sample[], device: string, profile: Profile, index = 0): string[] {
  const problems: string[] = []
  const mine = samples.filter((s) => s.device === device)
  for (const [channel, expected] of expectedReadings(profile, index)) {
    const found = mine.filter((s) => s.channel === channel)
    if (found.length !== 1) {
      problems.push(`${device}.${channel}: ${found.length} samples, expected 1`)
      continue
    }
    const sample = found[0]!
    if (sample.quality !== expected.quality) {
      problems.push(`${device}.${channel}: quality ${sample.quality}${sample.reason ? ` (${sample.reason})` : ''}, vector "${profile.vectors[index]!.name}" says ${expected.quality}`)
    }
    if (!sameReading(expected, sample.value)) {
      problems.push(`${device}.${channel}: value ${JSON.stringify(sample.value)}, vector "${profile.vectors[index]!.name}" says ${JSON.stringify(expected.value)}`)
    }
  }
  const known = new Set(profile.channels.map((c) => c.id))
  for (const sample of mine) if (!known.has(sample.channel)) problems.push(`${device}: unexpected channel ${sample.channel}`)
  return problems
}
