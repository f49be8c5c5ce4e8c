import { parseProfile, type Profile } from '../../hardware-profiles/index.ts'
import { formatProblem } from '../../protocols/validation/index.ts'

/** A profile from inline YAML; fails the test with located problems when invalid. */
export function profileFromYaml(text: string, file = 'inline.yaml'): Profile {
  const { profile, problems } = parseProfile(file, text)
  if (!profile) throw new Error(problems.map(formatProblem).join('\n'))
  return profile
}

/** A relay controller with two outputs and 馈电 feedback inputs, one of them inverted. */
export const RELAY_PROFILE = `
id: test-relay
version: 1.0.0
vendor: Test
model: R2
name: { en: Test relay, zh: 测试继电器 }
kind: power-cut-relay
systems: [monitoring]
transports: [rtu, tcp]
identification:
  deviceId: { vendorName: Test Co, productCode: R2, revision: "1.4", modelName: R2-24V }
channels:
  - { id: out1, name: { en: Output 1, zh: 输出1 }, table: coil, address: 0, type: bool, writable: true, role: output }
  - { id: out2, name: { en: Output 2, zh: 输出2 }, table: coil, address: 1, type: bool, writable: true, role: output }
  - { id: fb1, name: { en: Feedback 1, zh: 馈电1 }, table: discrete, address: 0, type: bool, role: feedback, feedbackOf: out1 }
  - { id: fb2, name: { en: Feedback 2, zh: 馈电2 }, table: discrete, address: 1, type: bool, role: feedback, feedbackOf: out2, invertedFeedback: true }
  - { id: setpoint, name: { en: Trip delay, zh: 延时 }, table: holding, address: 10, type: uint16, unit: s, writable: true, range: { min: 0, max: 60 } }
vectors:
  - name: outputs off
    registers: { coil: { "0": [0, 0] }, discrete: { "0": [0, 1] }, holding: { "10": [2] } }
    expect: { out1: false, out2: false, fb1: false, fb2: true, setpoint: 2 }
`

/** A gas detector with a fault flag, a warm-up register and a no-sensor sentinel. */
export const GAS_PROFILE = `
id: test-gas
version: 1.0.0
vendor: Test
model: G1
name: { en: Test gas detector, zh: 测试气体探测器 }
kind: combustible-gas-detector
systems: [monitoring]
transports: [tcp]
identification:
  signature: { table: holding, address: 20, values: [0x4731] }
warmUpSeconds: 30
channels:
  - id: lel
    name: { en: Combustible gas, zh: 可燃气体 }
    table: input
    address: 0
    type: uint16
    scale: 0.1
    unit: '%LEL'
    range: { min: 0, max: 100 }
    invalid: [{ raw: 0xFFFF, quality: device-fault, reason: no sensor }]
    alarms:
      - { level: level-1, direction: high, value: 25, restore: 23, source: "GB/T 50493-2019 §5.5.2" }
      - { level: level-2, direction: high, value: 50, restore: 23, source: "GB/T 50493-2019 §5.5.2" }
    simulate: { noise: 0.5 }
  - { id: o2, name: { en: Oxygen, zh: 氧气 }, table: input, address: 1, type: uint16, scale: 0.1, unit: '%VOL', range: { min: 0, max: 30 },
      alarms: [{ level: low, direction: low, value: 19.5, restore: 19.8, source: "GB/T 50493-2019 §5.5.2" }] }
  - { id: fault, name: { en: Fault, zh: 故障 }, table: input, address: 2, type: bit, bit: 0 }
  - { id: run_state, name: { en: Run state, zh: 运行状态 }, table: input, address: 3, type: uint16, role: status }
  - { id: signature, name: { en: Signature, zh: 标识 }, table: holding, address: 20, type: uint16, role: identity }
quality:
  - { channel: fault, equals: true, quality: device-fault, reason: fault flag }
  - { channel: run_state, equals: 0, quality: warming-up, reason: warming up }
vectors:
  - name: normal
    registers: { input: { "0": [12, 209, 0, 2] }, holding: { "20": [0x4731] } }
    expect: { lel: 1.2, o2: 20.9, fault: false, run_state: 2 }
`

/**
 * A methane head as an installer wrote it: float32 in ABCD (its vector is ABCD too, so the profile itself is
 * valid), for tests where the device really sends CDAB.
 */
export const METHANE_ABCD_PROFILE = `
id: test-methane-head
version: 1.0.0
vendor: Test
model: MH-1
name: { en: Methane head, zh: 甲烷探头 }
kind: methane-sensor
systems: [monitoring]
transports: [tcp]
identification: { signature: { table: holding, address: 30, values: [0x4D48] } }
channels:
  - { id: ch4, name: { en: Methane, zh: 甲烷 }, table: input, address: 0, type: float32, order: ABCD, unit: '%CH4', range: { min: 0, max: 100 } }
  - { id: alarm_set, name: { en: Alarm set point, zh: 报警点 }, table: holding, address: 10, type: float32, order: ABCD, unit: '%CH4', writable: true, range: { min: 0, max: 4 } }
  - { id: model, name: { en: Model, zh: 型号 }, table: holding, address: 30, type: uint16, role: identity }
vectors:
  - name: clean air
    registers: { input: { "0": [0x3ED7, 0x0A3D] }, holding: { "10": [0x3F80, 0], "30": [0x4D48] } }
    expect: { ch4: 0.42, alarm_set: 1, model: 0x4D48 }
`
