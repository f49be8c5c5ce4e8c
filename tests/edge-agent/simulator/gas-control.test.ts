import { describe, expect, it } from 'vitest'
import { SimulatedDevice } from '../../../edge-agent/src/simulator/index.ts'
import { answerControlLine, gasControlOf } from '../../../edge-agent/src/simulator/gas-control.ts'
import { isLoopback } from '../../../edge-agent/src/simulator/control-server.ts'
import { loadLibrary } from '../../../hardware-profiles/index.ts'

const methane = loadLibrary().find((p) => p.id === 'ccri-gjc4-catalytic-methane')!

function setup() {
  let now = 1_000_000
  const clock = () => now
  const devices = new Map([
    [1, new SimulatedDevice({ profile: methane, unit: 1, scenario: 'gas-test', gas: { t90Ms: 5_000, noise: 0 }, clock })],
    [2, new SimulatedDevice({ profile: methane, unit: 2, scenario: 'steady', clock })],
  ])
  const control = gasControlOf(devices)
  return { control, advance: (ms: number) => { now += ms }, ask: (line: string) => answerControlLine(line, control) }
}

describe('the gas control\'s line protocol', () => {
  it('applies gas, reports state, and removes it, each answered with every channel\'s target and reading', () => {
    const { ask, advance } = setup()
    expect(ask('{"unit":1,"state":true}')).toEqual({ ok: true, unit: 1, channels: [{ channel: 'ch4', engineeringUnit: '%CH4', cleanAir: 0, target: 0, value: 0 }] })
    expect(ask('{"unit":1,"apply":{"channel":"ch4","value":2.0}}')).toEqual({ ok: true, unit: 1, channels: [{ channel: 'ch4', engineeringUnit: '%CH4', cleanAir: 0, target: 2, value: 0 }] })
    advance(5_000)
    expect(ask('{"unit":1,"state":true}')).toMatchObject({ ok: true, channels: [{ target: 2, value: 1.8 }] })
    expect(ask(' {"unit":1,"remove":true} ')).toMatchObject({ ok: true, channels: [{ target: 0, value: 1.8 }] })
    advance(5_000)
    expect(ask('{"unit":1,"state":true}')).toMatchObject({ ok: true, channels: [{ target: 0, value: 0.18 }] })
  })

  it('drives the same devices in process through the GasControl methods', () => {
    const { control, ask, advance } = setup()
    expect(control.applyGas(1, 'ch4', 1.5)[0]).toMatchObject({ target: 1.5 })
    advance(60_000)
    expect(ask('{"unit":1,"state":true}')).toMatchObject({ channels: [{ value: 1.5 }] })
    expect(control.removeGas(1)[0]).toMatchObject({ target: 0, value: 1.5 })
    expect(() => control.gasState(9)).toThrow(expect.objectContaining({ code: 'SIMULATOR_UNKNOWN_UNIT', message: 'no simulated unit 9; units 1, 2' }))
  })

  it.each([
    ['not json', 'SIMULATOR_BAD_REQUEST', /^not JSON/u],
    ['[1]', 'SIMULATOR_BAD_REQUEST', /^request: must be object$/u],
    ['{"apply":{"channel":"ch4","value":2}}', 'SIMULATOR_BAD_REQUEST', /^request: missing key "unit"$/u],
    ['{"unit":0,"state":true}', 'SIMULATOR_BAD_REQUEST', /^request\.unit: must be >= 1$/u],
    ['{"unit":1,"apply":{"channel":"ch4","value":"2"}}', 'SIMULATOR_BAD_REQUEST', /^request\.apply\.value: must be number$/u],
    ['{"unit":1,"apply":{"channel":"ch4"}}', 'SIMULATOR_BAD_REQUEST', /^request\.apply: missing key "value"$/u],
    ['{"unit":1,"colour":"red","state":true}', 'SIMULATOR_BAD_REQUEST', /^request: unknown key "colour"$/u],
    ['{"unit":1,"remove":false}', 'SIMULATOR_BAD_REQUEST', /^request\.remove: must be true$/u],
    ['{"unit":1}', 'SIMULATOR_BAD_REQUEST', /^give exactly one of apply, remove, state$/u],
    ['{"unit":1,"remove":true,"state":true}', 'SIMULATOR_BAD_REQUEST', /not remove and state$/u],
    ['{"unit":7,"remove":true}', 'SIMULATOR_UNKNOWN_UNIT', /^no simulated unit 7; units 1, 2$/u],
    ['{"unit":2,"apply":{"channel":"ch4","value":2}}', 'SIMULATOR_NOT_GAS_TEST', /^unit 2 runs the steady scenario, not gas-test$/u],
    ['{"unit":1,"apply":{"channel":"co","value":2}}', 'SIMULATOR_UNKNOWN_CHANNEL', /^no gas channel "co"; this device measures ch4$/u],
  ])('refuses %s with a clear message', (line, code, message) => {
    const reply = setup().ask(line)
    expect(reply).toEqual({ ok: false, code, message: expect.stringMatching(message) })
  })

  it('listens on loopback addresses only', () => {
    for (const host of ['127.0.0.1', '127.0.0.2', '::1', 'localhost']) expect(isLoopback(host)).toBe(true)
    for (const host of ['0.0.0.0', '::', '192.168.1.5', 'example.com', '127.0.0.1.example.com']) expect(isLoopback(host)).toBe(false)
  })
})
