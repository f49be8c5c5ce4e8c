import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { compileProfile, LIBRARY_DIR, loadLibrary } from '../../../hardware-profiles/index.ts'
import { PROFILE_JSON_SCHEMA_FILE, profileJsonSchema } from '../../../hardware-profiles/json-schema.ts'
import { renderShow } from '../../../edge-agent/src/cli/profiles.ts'
import { run } from '../../support/processes.ts'
import { profileFromYaml, RELAY_PROFILE } from '../../support/profiles.ts'

const BIN = join(import.meta.dirname, '../../../edge-agent/bin/edge-agent.js')
const edgeAgent = (...args: string[]) => run(process.execPath, [BIN, ...args], { timeoutMs: 20_000 })
const STACK_LINE = /^\s+at .+\(.+:\d+:\d+\)$/mu

const BROKEN = `id: Bad_Id
version: 1.0
vendor: Test
model: X
name: { en: X, zh: 甲 }
kind: gas
systems: [monitoring, coffee]
transports: [rtu]
serial: { baud: 9601, parity: none }
identification: { signature: { table: holding, address: 0, values: [1] } }
channels:
  - { id: a, name: { en: A, zh: 甲 }, table: holding, address: 0, type: uint16, unit: '%LEL' }
  - { id: b, name: { en: B, zh: 乙 }, table: holding, address: 0, type: float32, unit: furlongs, colour: red }
vectors:
  - name: v
    registers: { holding: { "0": [1, 2] } }
    expect: { a: 1 }
`

describe('edge-agent profiles', () => {
  it('lists the library grouped by regulatory system', async () => {
    const result = await edgeAgent('profiles', 'list')
    expect(result.code).toBe(0)
    const count = loadLibrary().length
    expect(count).toBeGreaterThanOrEqual(15)
    expect(result.stdout).toContain(`${count} profiles`)
    expect(result.stdout).toMatch(/^monitoring \(\d+\)$/mu)
    expect(result.stdout).toMatch(/^personnel-positioning \(\d+\)$/mu)
  })

  it('shows the requests per poll of every shipped profile', async () => {
    for (const profile of loadLibrary()) {
      const requests = compileProfile(profile).plan.blocks.length
      expect(renderShow(profile)).toContain(`read plan: ${requests} requests per poll`)
    }
    const first = loadLibrary()[0]!
    const result = await edgeAgent('profiles', 'show', first.id)
    expect(result.code).toBe(0)
    expect(result.stdout).toContain(`read plan: ${compileProfile(first).plan.blocks.length} requests per poll`)
  })

  it('shows which input confirms which output, and which one reads inverted', async () => {
    const lines = renderShow(profileFromYaml(RELAY_PROFILE)).split('\n')
    const row = (id: string) => lines.find((line) => line.startsWith(`  ${id} `)) ?? `no row for ${id}`
    expect(row('fb1')).toMatch(/ feedback of out1 \(follows it\)$/u)
    expect(row('fb2')).toMatch(/ feedback of out2, inverted \(true while out2 is false\)$/u)
    expect(row('out1')).toMatch(/ confirmed by fb1$/u)
    expect(row('out2')).toMatch(/ confirmed by fb2 \(inverted\)$/u)
    expect(row('setpoint')).not.toMatch(/feedback|confirmed/u)
    const result = await edgeAgent('profiles', 'show', 'generic-kdg4-power-cut-controller')
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(/^ {2}feed_1 .* feedback of cut_1, inverted \(true while cut_1 is false\)$/mu)
    expect(result.stdout).toMatch(/^ {2}cut_1 .* confirmed by feed_1 \(inverted\)$/mu)
  })

  it('shows a profile without identification and why', () => {
    const profile = profileFromYaml(RELAY_PROFILE.replace(
      'identification:\n  deviceId: { vendorName: Test Co, productCode: R2, revision: "1.4", modelName: R2-24V }',
      'identification:\n  none: true\n  reason: no identity registers, no FC 43/14'))
    expect(renderShow(profile)).toContain('\n  identification: none (no identity registers, no FC 43/14): the model at a unit id cannot be checked\n')
  })

  it('validates a shipped profile', async () => {
    const file = join(LIBRARY_DIR, `${loadLibrary()[0]!.id}.yaml`)
    const result = await edgeAgent('profiles', 'validate', file)
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(/ok — .* test vectors pass/u)
  })

  it('reports every problem of a broken file with its location, exits 2, prints no stack trace', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'profiles-'))
    const file = join(dir, 'broken.yaml')
    writeFileSync(file, BROKEN)
    const result = await edgeAgent('profiles', 'validate', file)
    expect(result.code).toBe(2)
    expect(result.stderr).not.toMatch(STACK_LINE)
    const lines = result.stderr.trim().split('\n')
    expect(lines).toEqual(expect.arrayContaining([
      `${file}:1:5 id: must match pattern "^[a-z0-9][a-z0-9_-]*$"`,
      `${file}:2:10 version: must be string`,
      `${file}:7:23 systems[1]: must be one of "monitoring", "personnel-positioning", "emergency-refuge", "compressed-air-rescue", "water-supply-rescue", "communication", "tailings-monitoring", "explosion-barrier", "vapor-recovery", "gnss-recorder", "process-interlock", "major-hazard-monitoring"`,
      expect.stringMatching(new RegExp(`^${file}:13:87 channels\\[1\\]\\.unit: must be one of "%CH4"`, 'u')),
      `${file}:13:97 channels[1].colour: unknown key "colour"`,
    ]))
    expect(lines.at(-1)).toBe('edge-agent: 1 of 1 profile file invalid')
  })

  it('reports cross-reference problems once the schema holds', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'profiles-'))
    const file = join(dir, 'overlap.yaml')
    writeFileSync(file, BROKEN.replace('Bad_Id', 'bad').replace('1.0', '1.0.0').replace(', coffee', '').replace('9601', '9600')
      .replace('furlongs, colour: red', 'ppm'))
    const result = await edgeAgent('profiles', 'validate', file)
    expect(result.code).toBe(2)
    expect(result.stderr).toContain(`${file}:13:63 channels[1].address: holding 0 is already used by channel "a"`)
    expect(result.stderr).not.toMatch(STACK_LINE)
  })

  it('refuses a float vector that only reads in another word order, naming that order (was: a good 9.1e-33)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'profiles-'))
    const file = join(dir, 'word-order.yaml')
    // the methane reading 0.42 as a CDAB device sends it, under a channel declared ABCD
    writeFileSync(file, BROKEN.replace('Bad_Id', 'swapped').replace('1.0', '1.0.0').replace(', coffee', '').replace('9601', '9600')
      .replace("type: uint16, unit: '%LEL' }", "type: float32, order: ABCD, unit: '%CH4' }")
      .replace("  - { id: b, name: { en: B, zh: 乙 }, table: holding, address: 0, type: float32, unit: furlongs, colour: red }\n", '')
      .replace('"0": [1, 2]', '"0": [0x0A3D, 0x3ED7]').replace('expect: { a: 1 }', 'expect: { a: 0.42 }')
      .replace('address: 0, values: [1]', 'address: 0, values: [0x0A3D]'))
    const result = await edgeAgent('profiles', 'validate', file)
    expect(result.code).toBe(2)
    expect(result.stderr.trim().split('\n')).toEqual([
      `${file}:16:18 vectors[0].expect.a: expected 0.42, the registers decode to null (out-of-range: implausible float 9.1e-33: check the word order (CDAB decodes 0.42, BADC decodes 0.0338967, DCBA decodes -209169000000000))`,
      'edge-agent: 1 of 1 profile file invalid',
    ])
  })

  it('names a missing profile id and a missing file without a stack trace', async () => {
    const unknown = await edgeAgent('profiles', 'show', 'no-such-profile')
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toContain('no profile "no-such-profile" in the library')
    const missing = await edgeAgent('profiles', 'validate', '/nonexistent/x.yaml')
    expect(missing.code).toBe(2)
    expect(missing.stderr).toContain('/nonexistent/x.yaml:1:1 cannot read: ENOENT')
    expect(missing.stderr).not.toMatch(STACK_LINE)
  })

  it('rejects bad simulate arguments with exit 2', async () => {
    const noTransport = await edgeAgent('simulate', '--profile', loadLibrary()[0]!.id)
    expect(noTransport.code).toBe(2)
    expect(noTransport.stderr).toContain('give exactly one of --tcp HOST:PORT or --rtu PATH')
    const badScenario = await edgeAgent('simulate', '--profile', loadLibrary()[0]!.id, '--tcp', '127.0.0.1:0', '--scenario', 'boom')
    expect(badScenario.code).toBe(2)
    expect(badScenario.stderr).toContain('unknown scenario "boom"')
    const badUnit = await edgeAgent('simulate', '--profile', loadLibrary()[0]!.id, '--tcp', '127.0.0.1:0', '--unit', '0-3')
    expect(badUnit.code).toBe(2)
    expect(badUnit.stderr).toContain('unit id must be a whole number from 1 to 247, got "0"')
  })

  it('ships the JSON Schema editors use, up to date with the declaration', () => {
    expect(readFileSync(PROFILE_JSON_SCHEMA_FILE, 'utf8')).toBe(profileJsonSchema())
  })
})
