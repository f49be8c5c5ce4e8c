import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  compileProfile, decodeImage, LIBRARY_DIR, loadLibrary, parseProfile, sameValue, SYSTEM_IDS, UNITS,
  type Channel, type Profile, type SystemId,
} from '../../hardware-profiles/index.ts'
import { RegisterImage } from '../../protocols/modbus/index.ts'
import { formatProblem, type Problem } from '../../protocols/validation/index.ts'

/**
 * Invariants over the whole hardware-profile catalog. Each is computed here from the declarations,
 * independently of check.ts, so a bug there cannot hide a bad profile.
 */

const files = readdirSync(LIBRARY_DIR).filter((name) => name.endsWith('.yaml')).sort()
/** Every file parsed on its own, so one broken profile fails its own test rather than the whole suite. */
const parsed = files.map((name) => ({ name, ...parseProfile(join(LIBRARY_DIR, name), readFileSync(join(LIBRARY_DIR, name), 'utf8')) }))
const catalog: Profile[] = parsed.flatMap((p) => (p.profile ? [p.profile] : []))

/** Systems the product must be able to evidence with live data (the regulatory systems of seeds/regulations.yaml). */
const REQUIRED_SYSTEMS: SystemId[] = [
  'monitoring', 'personnel-positioning', 'emergency-refuge', 'compressed-air-rescue', 'water-supply-rescue',
  'tailings-monitoring', 'vapor-recovery', 'process-interlock', 'major-hazard-monitoring',
]

/** A source must name a standard or regulation, not a file the user does not have. */
const CITES_A_SOURCE = /GB(\/T)? \d|AQ \d|MT\/T \d|HJ \d|煤矿安全规程|规定|规范/u
const NAMES_A_FILE = /\b[\w-]+\.md\b/u

const NUMERIC = new Set(['uint16', 'int16', 'uint32', 'int32', 'float32', 'float64'])
const isBitTable = (c: Channel) => c.table === 'coil' || c.table === 'discrete'

/** Registers (or bits) a channel occupies, from its type alone. */
function footprint(c: Channel): number {
  if (isBitTable(c)) return 1
  switch (c.type) {
    case 'uint32': case 'int32': case 'float32': return 2
    case 'float64': return 4
    case 'string': return c.length ?? 1
    default: return 1
  }
}

function overlaps(profile: Profile): string[] {
  const found: string[] = []
  const owners = new Map<string, Channel[]>()
  for (const c of profile.channels) {
    for (let a = c.address; a < c.address + footprint(c); a++) {
      const key = `${c.table} ${a}`
      const others = owners.get(key) ?? []
      for (const other of others) {
        const distinctBits = c.type === 'bit' && other.type === 'bit' && c.bit !== other.bit
        if (!distinctBits) found.push(`${key}: ${other.id} and ${c.id}`)
      }
      owners.set(key, [...others, c])
    }
  }
  return found
}

/** Has `value` passed alarm `level`? (high: at or above; low: at or below) */
const past = (value: number, level: { direction: 'high' | 'low'; value: number }) =>
  level.direction === 'high' ? value >= level.value : value <= level.value

describe('the overlap rule used on the catalog', () => {
  const channel = (id: string, table: Channel['table'], address: number, type: Channel['type'], bit?: number): Channel =>
    ({ id, name: { en: id, zh: id }, table, address, type, ...(bit === undefined ? {} : { bit }) })
  const profileOf = (...channels: Channel[]) => ({ ...catalog[0]!, channels })

  it('allows distinct bits of one register and equal addresses in different tables', () => {
    expect(overlaps(profileOf(channel('a', 'input', 2, 'bit', 0), channel('b', 'input', 2, 'bit', 1), channel('c', 'holding', 2, 'uint16')))).toEqual([])
  })

  it('finds a float32 straddling the next register, a bit on a whole register, a bit used twice', () => {
    expect(overlaps(profileOf(channel('f', 'input', 0, 'float32'), channel('s', 'input', 1, 'uint16')))).toEqual(['input 1: f and s'])
    expect(overlaps(profileOf(channel('w', 'input', 3, 'uint16'), channel('b', 'input', 3, 'bit', 4)))).toEqual(['input 3: w and b'])
    expect(overlaps(profileOf(channel('x', 'input', 3, 'bit', 4), channel('y', 'input', 3, 'bit', 4)))).toEqual(['input 3: x and y'])
    expect(overlaps(profileOf(channel('p', 'coil', 0, 'bool'), channel('q', 'coil', 0, 'bool')))).toEqual(['coil 0: p and q'])
  })
})

describe('hardware-profile catalog', () => {
  it('loads without a problem', () => {
    expect(parsed.flatMap((p) => p.problems).map(formatProblem)).toEqual([])
    expect(() => loadLibrary()).not.toThrow()
  })

  it('holds at least 15 profiles, one per YAML file', () => {
    expect(catalog.length).toBeGreaterThanOrEqual(15)
    expect(catalog.length).toBe(files.length)
  })

  it('has unique profile ids, each the name of its file, each file opening with the schema comment', () => {
    const ids = catalog.map((p) => p.id)
    expect(new Set(ids).size).toBe(ids.length)
    for (const name of files) {
      const text = readFileSync(join(LIBRARY_DIR, name), 'utf8')
      expect(text.split('\n')[0], name).toBe('# yaml-language-server: $schema=../profile.schema.json')
      const { profile } = parseProfile(name, text)
      expect(profile?.id, name).toBe(name.replace(/\.yaml$/u, ''))
    }
  })

  it('covers every regulatory system the sites must evidence', () => {
    const covered = new Set(catalog.flatMap((p) => p.systems))
    for (const system of REQUIRED_SYSTEMS) expect(covered.has(system), system).toBe(true)
    for (const system of covered) expect(SYSTEM_IDS).toContain(system)
  })

  it('mixes identification methods and transports', () => {
    expect(catalog.filter((p) => p.identification.deviceId).length).toBeGreaterThanOrEqual(3)
    expect(catalog.filter((p) => p.identification.signature).length).toBeGreaterThanOrEqual(3)
    expect(catalog.some((p) => p.transports.includes('tcp'))).toBe(true)
    expect(catalog.some((p) => p.transports.includes('rtu'))).toBe(true)
    expect(catalog.some((p) => p.serial?.parity === 'even')).toBe(true)
    const orders = new Set(catalog.flatMap((p) => p.channels.filter((c) => c.type === 'float32').map((c) => c.order ?? 'ABCD')))
    expect(orders.has('ABCD') && orders.has('CDAB')).toBe(true)
    expect(catalog.some((p) => p.channels.some((c) => c.decimalsFrom !== undefined))).toBe(true)
  })

  it('uses one unit per channel id across the catalog (no unit drift)', () => {
    const units = new Map<string, { unit: string; profile: string }>()
    const drift: string[] = []
    for (const p of catalog) {
      for (const c of p.channels) {
        if (c.unit === undefined) continue
        const seen = units.get(c.id)
        if (seen && seen.unit !== c.unit) drift.push(`${c.id}: ${seen.unit} in ${seen.profile}, ${c.unit} in ${p.id}`)
        else units.set(c.id, { unit: c.unit, profile: p.id })
      }
    }
    expect(drift).toEqual([])
  })

  it('gives every signature and every product code to one profile only, and no signature matches another profile', () => {
    const codes = catalog.flatMap((p) => (p.identification.deviceId ? [p.identification.deviceId.productCode] : []))
    expect(new Set(codes).size).toBe(codes.length)
    for (const p of catalog) {
      const signature = p.identification.signature
      if (!signature) continue
      for (const other of catalog) {
        if (other === p) continue
        const image = RegisterImage.from(other.vectors[0]!.registers)
        const read = image.read(signature.table, signature.address, signature.values.length)
        expect(read === undefined || read.some((v, i) => v !== signature.values[i]), `${p.id} signature matches ${other.id}`).toBe(true)
      }
    }
  })
})

describe.each(catalog.map((p) => [p.id, p] as const))('profile %s', (_id, profile) => {
  const compiled = compileProfile(profile)
  const byId = new Map(profile.channels.map((c) => [c.id, c]))

  it('identifies itself by Read Device Identification or a signature the normal vector answers', () => {
    const { deviceId, signature } = profile.identification
    expect(deviceId !== undefined || signature !== undefined).toBe(true)
    if (signature) {
      const image = RegisterImage.from(profile.vectors[0]!.registers)
      expect(image.read(signature.table, signature.address, signature.values.length)).toEqual(signature.values)
    }
  })

  it('has unique channel ids and no two channels on one register, except distinct bits of a status word', () => {
    expect(new Set(profile.channels.map((c) => c.id)).size).toBe(profile.channels.length)
    expect(overlaps(profile)).toEqual([])
  })

  it('gives writable numeric points a range, and writes only coils and holding registers', () => {
    for (const c of profile.channels.filter((ch) => ch.writable)) {
      expect(['coil', 'holding'], c.id).toContain(c.table)
      if (NUMERIC.has(c.type)) {
        expect(c.range, `${c.id} needs a range`).toBeDefined()
        expect(c.range!.min, c.id).toBeLessThan(c.range!.max)
      }
    }
  })

  it('uses only units from the allow-list, and a unit on every measurement and alarm channel', () => {
    for (const c of profile.channels) {
      if (c.unit !== undefined) expect(UNITS, c.id).toContain(c.unit)
      const measurement = (c.role ?? (NUMERIC.has(c.type) && !c.writable ? 'measurement' : undefined)) === 'measurement'
      if (measurement || c.alarms?.length) expect(c.unit, `${c.id} needs a unit`).toBeDefined()
    }
  })

  it('cites a source for every alarm level, orders the levels, keeps them in range and simulates noise', () => {
    for (const c of profile.channels.filter((ch) => ch.alarms?.length)) {
      expect(NUMERIC.has(c.type), `${c.id} alarms need a number`).toBe(true)
      expect(c.simulate?.noise, `${c.id} needs simulate.noise`).toBeGreaterThanOrEqual(0)
      for (const level of c.alarms!) {
        expect(level.source.trim(), `${c.id} ${level.level}`).not.toBe('')
        expect(level.source, `${c.id} ${level.level}`).toMatch(CITES_A_SOURCE)
        expect(level.source, `${c.id} ${level.level}`).not.toMatch(NAMES_A_FILE)
        if (c.range) {
          expect(level.value, `${c.id} ${level.level} inside the range`).toBeGreaterThanOrEqual(c.range.min)
          expect(level.value, `${c.id} ${level.level} inside the range`).toBeLessThanOrEqual(c.range.max)
        }
        if (level.restore !== undefined) {
          expect(past(level.restore, level), `${c.id} ${level.level} restore ${level.restore} on the safe side`).toBe(false)
        }
      }
      const high = c.alarms!.filter((l) => l.direction === 'high').map((l) => l.value)
      const low = c.alarms!.filter((l) => l.direction === 'low').map((l) => l.value)
      expect(high, `${c.id} high-going levels rise`).toEqual([...high].sort((a, b) => a - b))
      expect(low, `${c.id} low-going levels fall`).toEqual([...low].sort((a, b) => b - a))
    }
  })

  it('has at least two test vectors, and every one decodes to its expected values and qualities', () => {
    expect(profile.vectors.length).toBeGreaterThanOrEqual(2)
    for (const vector of profile.vectors) {
      const readings = decodeImage(compiled, RegisterImage.from(vector.registers))
      expect(Object.keys(readings).sort(), vector.name).toEqual(profile.channels.map((c) => c.id).sort())
      for (const [id, expected] of Object.entries(vector.expect)) {
        expect(readings[id], `${vector.name}: ${id}`).toBeDefined()
        expect(sameValue(readings[id]!.value, expected), `${vector.name}: ${id} = ${String(readings[id]!.value)}, expected ${String(expected)}`).toBe(true)
      }
      for (const [id, reading] of Object.entries(readings)) {
        expect(reading.quality, `${vector.name}: quality of ${id}`).toBe(vector.quality?.[id] ?? 'good')
      }
    }
  })

  it('serves a sane steady reading as vector 0: every channel good, every value clear of its alarms by more than the noise', () => {
    const [steady] = profile.vectors
    expect(steady!.quality ?? {}).toEqual({})
    const readings = decodeImage(compiled, RegisterImage.from(steady!.registers))
    for (const c of profile.channels.filter((ch) => ch.alarms?.length)) {
      const value = readings[c.id]!.value as number
      const noise = c.simulate?.noise ?? 0
      for (const level of c.alarms!) {
        const worst = level.direction === 'high' ? value + noise : value - noise
        expect(past(worst, level), `${c.id} = ${value} ± ${noise} trips ${level.level} ${level.value}`).toBe(false)
      }
    }
  })

  it('points every feedback input at a writable output, and every decimal point at an integer register', () => {
    for (const c of profile.channels) {
      if (c.role === 'feedback') {
        expect(c.feedbackOf, `${c.id} follows an output`).toBeDefined()
        const output = byId.get(c.feedbackOf!)
        expect(output?.writable, `${c.id} follows ${c.feedbackOf}`).toBe(true)
        expect(output?.role, `${c.id} follows ${c.feedbackOf}`).toBe('output')
      }
      if (c.feedbackOf !== undefined) expect(c.role, c.id).toBe('feedback')
      if (c.decimalsFrom !== undefined) expect(['uint16', 'int16'], c.id).toContain(byId.get(c.decimalsFrom)?.type)
    }
    for (const rule of profile.quality ?? []) {
      expect(byId.has(rule.channel), rule.reason).toBe(true)
      for (const id of rule.applies ?? []) expect(byId.has(id), rule.reason).toBe(true)
    }
  })

  it('polls in at most 4 requests', () => {
    expect(compiled.plan.blocks.length).toBeLessThanOrEqual(4)
    expect(compiled.plan.unreadable).toEqual([])
  })
})

/** A small valid profile; the broken variants below change one line each, so line numbers are known. */
const BASE = [
  'id: broken-sample', //                                              1
  'version: 1.0.0', //                                                 2
  'vendor: Generic', //                                                3
  'model: T-1', //                                                     4
  'name: { en: Test sensor, zh: 测试传感器 }', //                        5
  'kind: test-sensor', //                                              6
  'systems: [monitoring]', //                                          7
  'transports: [rtu]', //                                              8
  'identification:', //                                               9
  '  signature: { table: holding, address: 8, values: [0x5445] }', // 10
  'channels:', //                                                     11
  '  - id: ch4', //                                                   12
  '    name: { en: Methane, zh: 甲烷 }', //                            13
  '    table: input', //                                              14
  '    address: 0', //                                                15
  '    type: uint16', //                                              16
  '    scale: 0.01', //                                               17
  "    unit: '%CH4'", //                                              18
  '  - id: status', //                                                19
  '    name: { en: Status, zh: 状态 }', //                             20
  '    table: input', //                                              21
  '    address: 1', //                                                22
  '    type: uint16', //                                              23
  '    role: status', //                                              24
  'vectors:', //                                                      25
  '  - name: normal', //                                              26
  '    registers:', //                                                27
  '      input: { "0": [50, 0] }', //                                 28
  '    expect: { ch4: 0.5, status: 0 }', //                           29
]

/** BASE with line `line` (1-based) replaced by `text` (several lines allowed). */
const variant = (line: number, ...text: string[]) => [...BASE.slice(0, line - 1), ...text, ...BASE.slice(line)].join('\n')

const problemsOf = (text: string): Problem[] => parseProfile('broken.yaml', text).problems

describe('a broken profile yields located problems', () => {
  it('accepts the base text', () => {
    const { profile, problems } = parseProfile('broken.yaml', BASE.join('\n'))
    expect(problems).toEqual([])
    expect(profile?.id).toBe('broken-sample')
  })

  it('points an unknown key at the key itself', () => {
    const problems = problemsOf(variant(17, '    scale: 0.01', '    colour: red'))
    expect(problems).toHaveLength(1)
    expect(problems[0]).toMatchObject({ file: 'broken.yaml', line: 18, column: 5, path: 'channels[0].colour', message: 'unknown key "colour"' })
  })

  it('names the allowed values of a wrong enum, at the value', () => {
    const problems = problemsOf(variant(14, '    table: inputs'))
    expect(problems).toHaveLength(1)
    expect(problems[0]).toMatchObject({ line: 14, column: 12, path: 'channels[0].table' })
    expect(problems[0]!.message).toMatch(/must be one of .*"holding".*"input"/u)
  })

  it('reports a wrong enum deep in a flow mapping on its own line', () => {
    const problems = problemsOf(variant(10, '  signature: { table: holdings, address: 8, values: [0x5445] }'))
    expect(problems).toHaveLength(1)
    expect(problems[0]).toMatchObject({ line: 10, path: 'identification.signature.table' })
  })

  it('reports overlapping registers at the second channel', () => {
    const problems = problemsOf(variant(22, '    address: 0'))
    expect(problems).toHaveLength(1)
    expect(problems[0]).toMatchObject({ line: 22, column: 14, path: 'channels[1].address' })
    expect(problems[0]!.message).toContain('input 0 is already used by channel "ch4"')
  })

  it('reports a float32 that straddles the next channel', () => {
    const problems = problemsOf(variant(16, '    type: float32'))
    expect(problems.map((p) => [p.line, p.path])).toEqual([[22, 'channels[1].address']])
  })

  it('reports a vector that does not decode to its expectation, at the expected value', () => {
    const problems = problemsOf(variant(29, '    expect: { ch4: 0.6, status: 0 }'))
    expect(problems).toHaveLength(1)
    expect(problems[0]).toMatchObject({ line: 29, path: 'vectors[0].expect.ch4', message: 'expected 0.6, the registers decode to 0.5' })
  })

  it('reports the mismatch of every vector, not only the first one', () => {
    const text = variant(29, '    expect: { ch4: 0.6, status: 0 }') +
      '\n  - name: second\n    registers:\n      input: { "0": [70, 0] }\n    expect: { ch4: 0.8 }'
    expect(problemsOf(text).map((p) => [p.line, p.path])).toEqual([[29, 'vectors[0].expect.ch4'], [33, 'vectors[1].expect.ch4']])
  })

  it('reports a quality expectation for a channel that does not exist', () => {
    const problems = problemsOf(variant(29, '    expect: { ch4: 0.5, status: 0 }', '    quality: { ch5: device-fault }'))
    expect(problems).toHaveLength(1)
    expect(problems[0]).toMatchObject({ line: 30, path: 'vectors[0].quality.ch5', message: 'no channel "ch5"' })
  })

  it('reports a vector whose quality is not the one the device signals', () => {
    const text = variant(18, "    unit: '%CH4'", '    invalid: [{ raw: 0xFFFF, quality: device-fault, reason: no sensor }]') +
      '\n  - name: no sensor\n    registers:\n      input: { "0": [0xFFFF, 0] }\n    expect: { status: 0 }'
    const problems = problemsOf(text)
    expect(problems).toHaveLength(1)
    expect(problems[0]).toMatchObject({ line: 34, path: 'vectors[1].expect' })
    expect(problems[0]!.message).toContain('expected quality good, got device-fault')
  })

  it('reports a float vector written in another word order than the channel declares, naming the order that decodes it', () => {
    // ch4 a float32 (ABCD by default) whose vector holds 0.42 as a CDAB device sends it; status moves past its two registers
    const lines = [...BASE]
    lines[15] = '    type: float32'
    lines[16] = '    order: ABCD'
    lines[21] = '    address: 2'
    lines[27] = '      input: { "0": [0x0A3D, 0x3ED7, 0] }'
    lines[28] = '    expect: { ch4: 0.42, status: 0 }'
    const problems = problemsOf(lines.join('\n'))
    expect(problems).toHaveLength(1)
    expect(problems[0]).toMatchObject({
      line: 29, path: 'vectors[0].expect.ch4',
      message: 'expected 0.42, the registers decode to null (out-of-range: implausible float 9.1e-33: check the word order (CDAB decodes 0.42, BADC decodes 0.0338967, DCBA decodes -209169000000000))',
    })
  })

  it('accepts identification none with a reason, for a device with no identity registers and no FC 43/14', () => {
    const { profile, problems } = parseProfile('none.yaml', variant(10, '  none: true', '  reason: the T-1 has no model register and does not answer FC 43/14'))
    expect(problems).toEqual([])
    expect(profile?.identification).toEqual({ none: true, reason: 'the T-1 has no model register and does not answer FC 43/14' })
  })

  it('wants a reason with identification none, none alone, and a reason only with none', () => {
    expect(problemsOf(variant(10, '  none: true'))).toMatchObject([
      { line: 10, path: 'identification.none', message: 'none needs a reason: why the device cannot be identified (no identity registers, no FC 43/14)' },
    ])
    expect(problemsOf(variant(10, '  signature: { table: holding, address: 8, values: [0x5445] }', '  none: true', '  reason: no registers'))).toMatchObject([
      { line: 11, path: 'identification.none', message: 'none means the device cannot be identified: drop deviceId and signature, or drop none' },
    ])
    expect(problemsOf(variant(10, '  signature: { table: holding, address: 8, values: [0x5445] }', '  reason: no registers'))).toMatchObject([
      { line: 11, path: 'identification.reason', message: 'reason goes with none: true' },
    ])
    expect(problemsOf(variant(10, '  none: false', '  reason: no registers'))).toMatchObject([{ line: 10, path: 'identification.none' }])
    expect(problemsOf([...BASE.slice(0, 8), 'identification: {}', ...BASE.slice(10)].join('\n'))).toMatchObject([
      { line: 9, path: 'identification', message: 'needs deviceId (FC 43/14), a signature register, or none: true with a reason' },
    ])
  })

  it('reports a vector that lacks the registers of a channel', () => {
    const problems = problemsOf(variant(28, '      input: { "0": [50] }'))
    expect(problems).toHaveLength(1)
    expect(problems[0]).toMatchObject({ line: 28, path: 'vectors[0].registers' })
    expect(problems[0]!.message).toContain('channel "status"')
  })

  it('reports a YAML syntax error with its line', () => {
    const problems = problemsOf(variant(29, '    expect: { ch4: 0.5, status: 0'))
    expect(problems.length).toBeGreaterThan(0)
    expect(problems.every((p) => p.line >= 29)).toBe(true)
  })

  it('loadLibrary reports a duplicated profile id across files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'profiles-'))
    try {
      writeFileSync(join(dir, 'a.yaml'), BASE.join('\n'))
      writeFileSync(join(dir, 'b.yaml'), BASE.join('\n'))
      expect(() => loadLibrary(dir)).toThrow(/profile id "broken-sample" is also used by a\.yaml/u)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
