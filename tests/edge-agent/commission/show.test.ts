import { describe, expect, it } from 'vitest'
import { formatRuns } from '../../../edge-agent/src/commission/show.ts'
import { generateSigningKey, signRun, type DeviceRun, type Run } from '../../../protocols/commissioning/index.ts'
import { sampleRun } from '../../support/commissioning-run.ts'

const KEY = generateSigningKey()

function failedRun(): Run {
  const run = sampleRun({ purpose: 'periodic', result: 'failed', technician: { name: 'Wang' } })
  const device = run.devices[0]!
  const steps = device.steps.map((step) => {
    if (step.kind === 'gas') return { ...step, result: 'failed' as const, t90S: null, recoveryS: null, reasons: ['level alarm never raised: the reading peaked at 0.80 %CH4', 'no plateau'] }
    if (step.kind === 'interlock') return { ...step, result: 'bypassed' as const, bypass: { reason: 'the local fan must not stop', by: 'Wang' } }
    if (step.kind === 'calibration') return { kind: 'calibration' as const, result: 'failed' as const, entered: false, reason: 'no calibration date' }
    return step
  }) as DeviceRun['steps']
  return { ...run, devices: [{ ...device, result: 'failed', steps }] }
}

describe('formatRuns', () => {
  it('no runs: says so', () => {
    expect(formatRuns([], 'Asia/Shanghai')).toEqual(['no commissioning or test runs at this gateway yet'])
  })

  it('a passed run: when (in the gateway\'s time zone), purpose, result, who, id and hash; per device each step', () => {
    const signed = signRun(sampleRun(), KEY.privateKeyPem)
    expect(formatRuns([signed], 'Asia/Shanghai')).toEqual([
      `2026-12-01 10:00 commissioning PASSED by 李工 (乐平安装公司) — gw-1:${Date.UTC(2026, 11, 1, 2)}, ${signed.hash.slice(0, 19)}…`,
      '  ch4-t1 PASSED: identity ok, zero ok, gas 2 %CH4 ok (T90 19.6 s, recovery 21.5 s), interlock ch4-t1-power-cut ok, calibrated 2026-12-01 ok',
    ])
    expect(formatRuns([signed], 'UTC')[0]).toMatch(/^2026-12-01 02:00 /u)
  })

  it('a failed run: the failures marked, missing figures as dashes, a bypass said, and every reason after "why"', () => {
    const lines = formatRuns([signRun(failedRun(), KEY.privateKeyPem)], 'UTC')
    expect(lines[0]).toMatch(/^2026-12-01 02:00 periodic FAILED by Wang — /u)
    expect(lines[1]).toBe('  ch4-t1 FAILED: identity ok, zero ok, gas 2 %CH4 FAILED (T90 — s, recovery — s), interlock ch4-t1-power-cut BYPASSED, calibrated — FAILED\n'
      + '    why: level alarm never raised: the reading peaked at 0.80 %CH4; no plateau; no calibration date')
  })

  it('one block per run, in the order given', () => {
    const lines = formatRuns([signRun(sampleRun(), KEY.privateKeyPem), signRun(failedRun(), KEY.privateKeyPem)], 'UTC')
    expect(lines.map((l) => (l.startsWith('  ') ? l.trim().split(' ')[1] : l.split(' ')[2]))).toEqual(['commissioning', 'PASSED:', 'periodic', 'FAILED:'])
  })
})
