import type { Run } from '../../protocols/commissioning/index.ts'

/** A passed commissioning run of one methane sensor and the power cut it feeds, for tests of both sides. */
export function sampleRun(overrides: Partial<Run> = {}): Run {
  const t0 = Date.UTC(2026, 11, 1, 2, 0, 0)
  return {
    v: 1,
    id: `gw-1:${t0}`,
    purpose: 'commissioning',
    site: 'site-a',
    gateway: 'gw-1',
    agentVersion: '0.1.0',
    configHash: 'sha256:0123',
    technician: { name: '李工', company: '乐平安装公司' },
    startedAt: t0,
    endedAt: t0 + 300_000,
    result: 'passed',
    devices: [{
      device: 'ch4-t1', system: 'monitoring', profile: 'ccri-gjc4-catalytic-methane', kind: 'catalytic-methane-sensor', bus: 'rs485-1', unit: 1, result: 'passed',
      steps: [
        { kind: 'identity', result: 'passed', expected: { vendor: 'CCTEG', model: 'GJC4' }, read: { signature: '0x4743' } },
        { kind: 'zero', result: 'passed', channel: 'ch4', unit: '%CH4', tolerance: 0.1, mean: 0.02, readings: { t0, points: [[0, 0.02], [1000, 0.01], [2000, null]] } },
        {
          kind: 'gas', test: 'span', result: 'passed', channel: 'ch4', unit: '%CH4',
          gas: { name: 'CH4 in air', concentration: 2, unit: '%CH4', lot: 'L-2026-118', expiresOn: '2027-06-30' },
          appliedAt: t0 + 10_000, removedAt: t0 + 80_000, baseline: 0.02, plateau: 1.98, error: -0.01, errorTolerance: 0.1,
          t90S: 19.6, t90LimitS: 30, recoveryS: 21.5, recoveryLimitS: 60,
          levels: [{ level: 'alarm', direction: 'high', setPoint: 1, result: 'passed', raisedAt: t0 + 17_000, value: 1.04 }],
          readings: { t0: t0 + 10_000, points: [[0, 0.02], [1000, 0.21], [20000, 1.8]] }, reasons: [],
        },
        { kind: 'interlock', result: 'passed', interlock: 'ch4-t1-power-cut', output: { device: 'kdg', channel: 'cut_1' }, feedback: { device: 'kdg', channel: 'feed_1' }, feedbackMs: 2000, trippedAt: t0 + 20_000, actuatedAt: t0 + 20_050, confirmedAt: t0 + 20_600 },
        { kind: 'calibration', result: 'passed', calibratedOn: '2026-12-01', entered: true },
      ],
    }],
    ...overrides,
  }
}
