import type { SafetyStatus } from '../../../edge-agent/src/safety/status.ts'

/** The operator tests' sample: what the agent answers safety-status, its first alarm raised at T0. */
export const T0 = Date.UTC(2026, 10, 29, 6, 5, 9) // 14:05:09 in Asia/Shanghai

export const SAMPLE: SafetyStatus = {
  alarms: [
    { device: 'ch4-t1', channel: 'ch4', kind: 'level', level: 'alarm', since: T0, value: 1.52, unit: '%CH4', latched: true, acknowledged: false },
    { device: 'fan-1', channel: 'running', kind: 'interlock-failed', level: 'alarm', since: T0 + 61_000, value: false, latched: true, acknowledged: true, interlock: 'ch4-power-cut' },
    { device: 'co-2', channel: 'co', kind: 'sensor-fault', level: 'fault', since: T0 + 3_600_000, value: null, latched: false, acknowledged: false },
  ],
  interlocks: [
    { id: 'ch4-power-cut', state: 'tripped', output: 'confirmed', since: T0, cause: 'ch4-t1/ch4 1.52 %CH4 ≥ 1.5', awaitingReset: true },
    { id: 'fan-start', state: 'normal', output: 'idle', awaitingReset: false, bypass: { until: T0 + 30 * 60_000, reason: 'calibration with 2 % CH4 test gas', by: 'li.wei' } },
  ],
}
