import { createHash } from 'node:crypto'
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { CONFIG_JSON_SCHEMA_FILE, configJsonSchema } from '../../../edge-agent/src/config/json-schema.ts'
import { DEFAULTS, loadConfigFile, parseConfig, rtuBusLoads, type ResolvedConfig } from '../../../edge-agent/src/config/index.ts'
import { LIBRARY_DIR, loadLibrary } from '../../../hardware-profiles/index.ts'
import { InvalidInputError, formatProblem } from '../../../protocols/validation/index.ts'

const ROOT = join(import.meta.dirname, '../../..')
const EXAMPLES = join(ROOT, 'examples')
const SITE_TYPES = ['coal-mine', 'non-coal-mine', 'tailings-pond', 'petrol-station', 'chemical-plant']

function valid(text: string, file = join(tmpdir(), 'site.yaml')): ResolvedConfig {
  const { config, problems } = parseConfig(file, text)
  expect(problems.map(formatProblem)).toEqual([])
  return config!
}

const MINIMAL = `gateway: { id: gw1, site: site1 }
buses:
  - { id: line1, type: rtu, path: /dev/ttyUSB0, baud: 9600 }
  - { id: plc, type: tcp, host: 10.0.0.5 }
devices:
  - { id: ch4-1, bus: line1, unit: 1, profile: ccri-gjc4-catalytic-methane }
  - { id: cut-1, bus: line1, unit: 2, profile: generic-kdg4-power-cut-controller }
  - { id: sis, bus: plc, unit: 1, profile: generic-sis-plc16-reactor-interlock }
interlocks:
  - id: t1
    when: [{ device: ch4-1, channel: ch4, above: 1.5 }]
    action: { device: cut-1, channel: cut_1, value: true }
`

/** n catalytic methane sensors on one 9600 8N1 line, each polled every `pollMs`. */
function methaneLine(n: number, pollMs: number, busExtra = ''): string {
  const devices = Array.from({ length: n }, (_, i) => `  - { id: ch4-${i + 1}, bus: line1, unit: ${i + 1}, profile: ccri-gjc4-catalytic-methane, pollMs: ${pollMs} }`)
  return `gateway: { id: gw1, site: site1 }\nbuses:\n  - { id: line1, type: rtu, path: /dev/ttyUSB0, baud: 9600${busExtra} }\ndevices:\n${devices.join('\n')}\n`
}

/**
 * One poll of the GJC4 read by hand: holding 100..101 (2 registers) and input 0..2 (3 registers).
 * At 9600 8N1 a character is 10 bits = 1.0417 ms (11 bytes: 11.46 ms), t3.5 = 3.646 ms.
 * Each read: 8-byte request, silence, 5 + 2 × registers byte answer, silence.
 */
const CHAR_MS = (10 * 1000) / 9600
const GJC4_POLL_WIRE_MS = (8 + 9) * CHAR_MS + 2 * 3.5 * CHAR_MS + (8 + 11) * CHAR_MS + 2 * 3.5 * CHAR_MS

describe('parseConfig', () => {
  it('applies every default and attaches the loaded profiles', () => {
    const config = valid(MINIMAL)
    const [rtu, tcp] = config.buses
    expect(rtu).toEqual({ id: 'line1', type: 'rtu', path: '/dev/ttyUSB0', baud: 9600, parity: 'none', dataBits: 8, stopBits: 1, timeoutMs: DEFAULTS.rtuTimeoutMs, retries: DEFAULTS.retries, turnaroundMs: 0, armedShare: DEFAULTS.armedShare, armedPollMs: DEFAULTS.armedPollMs })
    expect(tcp).toEqual({ id: 'plc', type: 'tcp', host: '10.0.0.5', port: 502, timeoutMs: DEFAULTS.tcpTimeoutMs, retries: DEFAULTS.retries, maxInFlight: 1, armedShare: DEFAULTS.armedShare, armedPollMs: DEFAULTS.armedPollMs })
    const device = config.devices[0]!
    expect(device.pollMs).toBe(DEFAULTS.pollMs)
    expect(device.priority).toBe('normal')
    expect(device.profile).toBe('ccri-gjc4-catalytic-methane')
    expect(device.loadedProfile).toEqual(loadLibrary().find((p) => p.id === 'ccri-gjc4-catalytic-methane'))
    expect(config.interlocks[0]).toMatchObject({ mode: 'any', failSafe: true, restoreAfterMs: 0, manualReset: false, action: { feedbackMs: DEFAULTS.feedbackMs } })
    expect(config.hash).toBe(createHash('sha256').update(MINIMAL).digest('hex'))
  })

  it('keeps what the file says over the defaults, and makes file paths relative to the config', () => {
    const text = `${MINIMAL.replace('baud: 9600 }', 'baud: 19200, parity: even, timeoutMs: 150, retries: 3 }').replace('host: 10.0.0.5 }', 'host: 10.0.0.5, port: 5020 }')}
uplink: { url: 'mqtts://fleet.example:8883', credentialsFile: secrets/credentials.json, caFile: /etc/ssl/fleet.pem }
buffer: { path: data/outbox.sqlite }
`
    const config = valid(text, '/srv/edge/site.yaml')
    expect(config.buses[0]).toMatchObject({ baud: 19200, parity: 'even', timeoutMs: 150, retries: 3 })
    expect(config.buses[1]).toMatchObject({ port: 5020 })
    expect(config.uplink).toEqual({ url: 'mqtts://fleet.example:8883', credentialsFile: '/srv/edge/secrets/credentials.json', caFile: '/etc/ssl/fleet.pem' })
    expect(config.buffer).toEqual({ path: '/srv/edge/data/outbox.sqlite' })
  })

  it('computes the wire budget of an RTU bus from the frames and the char time', () => {
    expect(GJC4_POLL_WIRE_MS).toBeCloseTo(52.08, 2)
    const loads = rtuBusLoads(valid(methaneLine(3, 1000)), Array(3).fill(loadLibrary().find((p) => p.id === 'ccri-gjc4-catalytic-methane')))
    expect(loads).toHaveLength(1)
    expect(loads[0]!.cycleMs).toBeCloseTo(3 * GJC4_POLL_WIRE_MS, 9)
    expect(loads[0]!.load).toBeCloseTo((3 * GJC4_POLL_WIRE_MS) / 1000, 9)
  })

  it('names the load figure when the devices need more wire time than a second has', () => {
    const load = (8 * GJC4_POLL_WIRE_MS) / 400
    const { problems } = parseConfig('line.yaml', methaneLine(8, 400))
    expect(problems.map(formatProblem)).toEqual([
      `line.yaml:3:5 buses[0]: the devices need ${load.toFixed(2)} s of wire time per second at 9600 8N1 (8 devices; cycle at least ${Math.ceil(8 * GJC4_POLL_WIRE_MS)} ms); lengthen pollMs or split the bus`,
    ])
    expect(load.toFixed(2)).toBe('1.04')
  })

  it('counts the configured turnaround once per request', () => {
    const withTurnaround = GJC4_POLL_WIRE_MS + 2 * 20
    expect(parseConfig('line.yaml', methaneLine(8, 600)).problems).toEqual([])
    const { problems } = parseConfig('line.yaml', methaneLine(8, 600, ', turnaroundMs: 20'))
    expect(problems.map((p) => p.message)).toEqual([
      `the devices need ${((8 * withTurnaround) / 600).toFixed(2)} s of wire time per second at 9600 8N1 (8 devices; cycle at least ${Math.ceil(8 * withTurnaround)} ms); lengthen pollMs or split the bus`,
    ])
  })

  it('rejects a poll period shorter than one poll of the device on the wire', () => {
    const at2400 = GJC4_POLL_WIRE_MS * 4 // a quarter of the baud rate: every char and silence takes four times as long
    const text = methaneLine(1, 200).replace('baud: 9600', 'baud: 2400')
    const column = text.split('\n')[4]!.indexOf('pollMs: 200') + 'pollMs: '.length + 1
    const { problems } = parseConfig('slow.yaml', text)
    expect(problems.map(formatProblem)).toEqual([
      `slow.yaml:5:${column} devices[0].pollMs: poll period 200 ms is shorter than one poll takes on the wire at 2400 8N1 (${Math.ceil(at2400)} ms for 2 requests); lengthen pollMs`,
    ])
  })

  it('loads a profile file relative to the config, and reports the problems inside it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'config-'))
    copyFileSync(join(LIBRARY_DIR, 'ccri-gjc4-catalytic-methane.yaml'), join(dir, 'my-sensor.yaml'))
    const text = methaneLine(1, 1000).replace('profile: ccri-gjc4-catalytic-methane', 'profile: my-sensor.yaml')
    expect(valid(text, join(dir, 'site.yaml')).devices[0]!.loadedProfile.id).toBe('ccri-gjc4-catalytic-methane')

    writeFileSync(join(dir, 'my-sensor.yaml'), readFileSync(join(dir, 'my-sensor.yaml'), 'utf8').replace('version: 1.0.0', 'version: one'))
    const { problems } = parseConfig(join(dir, 'site.yaml'), text)
    expect(problems.map((p) => [p.file, p.path])).toEqual([[join(dir, 'site.yaml'), 'devices[0].profile'], [join(dir, 'my-sensor.yaml'), 'version']])
  })

  it('reports a profile alarm level whose restore is on the alarm side, located in the profile file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'config-'))
    const library = readFileSync(join(LIBRARY_DIR, 'ccri-gjc4-catalytic-methane.yaml'), 'utf8')
    writeFileSync(join(dir, 'my-sensor.yaml'), library.replace('value: 1.5, restore: 1.0', 'value: 1.5, restore: 1.6'))
    const text = methaneLine(1, 1000).replace('profile: ccri-gjc4-catalytic-methane', 'profile: my-sensor.yaml')
    const { problems } = parseConfig(join(dir, 'site.yaml'), text)
    const inProfile = problems.find((p) => p.file === join(dir, 'my-sensor.yaml'))!
    expect(inProfile.path).toBe('channels[0].alarms[1].restore')
    expect(inProfile.line).toBe(library.split('\n').findIndex((l) => l.includes('value: 1.5, restore: 1.0')) + 1)
    expect(inProfile.message).toBe('restore 1.6 is on the alarm side of 1.5: a high level clears when the value falls below restore, so restore must be at most 1.5')
  })

  it('accepts an RTU-only device on a TCP bus: it sits behind a Modbus TCP-to-RTU gateway', () => {
    const config = valid(`gateway: { id: gw1, site: site1 }
buses:
  - { id: mgate, type: tcp, host: 10.0.0.7, port: 502 }
devices:
  - { id: ch4-1, bus: mgate, unit: 1, profile: ccri-gjc4-catalytic-methane }
`)
    expect(config.devices[0]!.loadedProfile.transports).toEqual(['rtu'])
  })

  it('reports rather than throws on an empty text and on YAML the parser gives up on', () => {
    expect(parseConfig('empty.yaml', '').problems.map(formatProblem)).toEqual(['empty.yaml:1:1 the file is empty; expected a map with keys gateway, buses and devices'])
    const bomb = `a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n`
    expect(parseConfig('bomb.yaml', bomb).problems).toHaveLength(1)
  })
})

describe('loadConfigFile', () => {
  it('throws CONFIG_INVALID with every problem', () => {
    const dir = mkdtempSync(join(tmpdir(), 'config-'))
    writeFileSync(join(dir, 'bad.yaml'), 'gateway: { id: gw1 }\nbuses: []\ndevices: []\n')
    const error = (() => {
      try {
        loadConfigFile(join(dir, 'bad.yaml'))
      } catch (e) {
        return e
      }
      return undefined
    })()
    expect(error).toBeInstanceOf(InvalidInputError)
    expect((error as InvalidInputError).code).toBe('CONFIG_INVALID')
    expect((error as InvalidInputError).problems.map((p) => `${p.line}:${p.column} ${p.path}: ${p.message}`)).toEqual([
      '1:10 gateway: missing key "site"',
      '2:8 buses: must list at least one item',
      '3:10 devices: must list at least one item',
    ])
    expect(() => loadConfigFile(join(dir, 'missing.yaml'))).toThrow(`${join(dir, 'missing.yaml')}:1:1 cannot read: ENOENT`)
  })
})

describe('examples/', () => {
  const files = readdirSync(EXAMPLES).filter((n) => n.endsWith('.yaml'))

  it('has one config per site type', () => {
    expect(files.sort()).toEqual(SITE_TYPES.map((t) => `${t}.yaml`).sort())
  })

  it.each(SITE_TYPES)('%s.yaml is valid and names its schema', (type) => {
    const file = join(EXAMPLES, `${type}.yaml`)
    const text = readFileSync(file, 'utf8')
    expect(text.split('\n')[0]).toBe('# yaml-language-server: $schema=../edge-agent/config.schema.json')
    expect(text).toMatch(/^# .*edge-agent simulate/mu)
    const config = valid(text, file)
    expect(config.devices.length).toBeGreaterThan(0)
  })

  it('can all run at once against simulators: distinct gateways, TCP ports and serial lines', () => {
    const configs = SITE_TYPES.map((t) => loadConfigFile(join(EXAMPLES, `${t}.yaml`)))
    const endpoints = configs.flatMap((c) => c.buses.map((b) => (b.type === 'tcp' ? `${b.host}:${b.port}` : b.path)))
    expect(new Set(endpoints).size).toBe(endpoints.length)
    expect(new Set(configs.map((c) => c.gateway.id)).size).toBe(configs.length)
    expect(configs.flatMap((c) => c.buses.map((b) => b.type))).toEqual(expect.arrayContaining(['rtu', 'tcp']))
    const coal = configs[0]!
    expect(coal.interlocks.find((l) => l.when.some((w) => w.channel === 'ch4' && w.above === 1.5))?.action.feedback).toBeDefined()
    expect(configs.find((c) => c.devices.some((d) => d.system === 'process-interlock'))!.interlocks.length).toBeGreaterThan(0)
  })
})

describe('config.schema.json', () => {
  it('is up to date with the TypeBox declaration (npm run schemas)', () => {
    expect(readFileSync(CONFIG_JSON_SCHEMA_FILE, 'utf8')).toBe(configJsonSchema())
  })
})
