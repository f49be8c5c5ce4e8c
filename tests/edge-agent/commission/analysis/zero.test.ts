import { describe, expect, it } from 'vitest'
import { zeroStep, type Reading } from '../../../../edge-agent/src/commission/analysis/index.ts'
import { Value } from 'typebox/value'
import { ZeroStepSchema } from '../../../../protocols/commissioning/index.ts'

const T0 = Date.UTC(2026, 11, 1, 2, 0, 0)
const each = (values: (number | null)[]): Reading[] => values.map((value, i) => ({ ts: T0 + i * 1000, value }))
const zero = (values: (number | null)[]) => zeroStep({ channel: 'ch4', unit: '%CH4', tolerance: 0.1, readings: each(values) })

describe('zero step', () => {
  it.each([
    { values: [0.02, 0.01, null, 0.03], result: 'passed', mean: 0.02, reason: undefined },
    { values: [0.1, 0.1, 0.1], result: 'passed', mean: 0.1, reason: undefined },
    { values: [-0.08, -0.1, -0.12], result: 'passed', mean: -0.1, reason: undefined },
    { values: [0.5, 0.52, 0.54], result: 'failed', mean: 0.52, reason: 'mean 0.52 %CH4 is outside ±0.10 of zero: purge with clean air or zero the sensor' },
    { values: [-0.2, -0.2, -0.2], result: 'failed', mean: -0.2, reason: 'mean -0.20 %CH4 is outside ±0.10 of zero: purge with clean air or zero the sensor' },
    { values: [0.01, null, 0.01, null], result: 'failed', mean: 0.01, reason: "only 2 good readings in clean air (3 needed): check the sensor's communication and warm-up" },
    { values: [null, null], result: 'failed', mean: null, reason: "only 0 good readings in clean air (3 needed): check the sensor's communication and warm-up" },
  ])('$values: $result', ({ values, result, mean, reason }) => {
    const step = zero(values)
    expect(step.result).toBe(result)
    if (mean === null) expect(step.mean).toBeNull()
    else expect(step.mean).toBeCloseTo(mean, 10)
    expect(step.reason).toBe(reason)
  })

  it('keeps every reading, bad ones as null, in a record the schema accepts', () => {
    const step = zero([0.02, null, 0.01, 0.03])
    expect(step.readings).toEqual({ t0: T0, points: [[0, 0.02], [1000, null], [2000, 0.01], [3000, 0.03]] })
    expect(Value.Check(ZeroStepSchema, step)).toBe(true)
    expect(Value.Check(ZeroStepSchema, zero([]))).toBe(true)
  })
})
