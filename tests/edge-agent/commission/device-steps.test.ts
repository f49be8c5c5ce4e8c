import { describe, expect, it } from 'vitest'
import { calibrationStep, identityStep } from '../../../edge-agent/src/commission/device-steps.ts'
import type { Profile } from '../../../hardware-profiles/index.ts'
import { IdentityStepSchema, type IdentityStep } from '../../../protocols/commissioning/index.ts'
import { createValidator } from '../../../protocols/validation/ajv.ts'
import { siteConfig } from './site-config.ts'

const methane: Profile = siteConfig().devices.find((d) => d.id === 'ch4-1')!.loadedProfile
const expected = { vendor: methane.vendor, model: methane.model }
const unidentifiable: Profile = { ...methane, identification: { none: true, reason: 'no identity registers on this model' } }

describe('identityStep', () => {
  it('no poll result, or a device that does not answer: failed, saying which', () => {
    expect(identityStep(methane, undefined)).toEqual({ kind: 'identity', result: 'failed', expected, read: {}, reason: 'the device does not answer (no poll result yet)' })
    expect(identityStep(methane, { state: 'offline', identified: false })).toMatchObject({ result: 'failed', reason: 'the device does not answer (offline)' })
  })

  it('another model at the unit id: failed with the mismatch as read', () => {
    expect(identityStep(methane, { state: 'online', identified: true, mismatch: 'holding 100 reads 0x4543 0x0001, expected 0x4743 0x0004' }))
      .toMatchObject({ result: 'failed', reason: 'not the configured model: holding 100 reads 0x4543 0x0001, expected 0x4743 0x0004' })
  })

  it('answering but not yet checked against the profile: failed', () => {
    expect(identityStep(methane, { state: 'online', identified: false })).toMatchObject({ result: 'failed', reason: 'the device answers, but its model was not checked yet', read: {} })
  })

  it('identified by its signature registers: passed, the record shows the signature the profile expects', () => {
    expect(identityStep(methane, { state: 'online', identified: true })).toEqual({ kind: 'identity', result: 'passed', expected, read: { signature: 'holding 100 = 0x4743 0x0004' } })
  })

  it('identified by FC 43/14: the identity as read goes in the record', () => {
    const identity = { vendorName: 'CCTEG', productCode: 'GJC4', revision: '2.1' }
    expect(identityStep(methane, { state: 'online', identified: true, identity })).toEqual({ kind: 'identity', result: 'passed', expected, read: identity })
  })

  it('a profile that declares no identification passes on communication alone, and says so', () => {
    expect(identityStep(unidentifiable, { state: 'online', identified: false }))
      .toMatchObject({ result: 'passed', reason: 'communication only: the profile declares no identification (no identity registers on this model)' })
    expect(identityStep(unidentifiable, { state: 'fault', identified: false })).toMatchObject({ result: 'failed' })
  })
})

describe('calibrationStep', () => {
  it('a date entered during the run wins over the configured one', () => {
    expect(calibrationStep('2026-12-07', '2026-11-20')).toEqual({ kind: 'calibration', result: 'passed', calibratedOn: '2026-12-07', entered: true })
  })

  it('the configured date, confirmed', () => {
    expect(calibrationStep(undefined, '2026-11-20')).toEqual({ kind: 'calibration', result: 'passed', calibratedOn: '2026-11-20', entered: false })
  })

  it('no date at all: failed, saying where to give one', () => {
    expect(calibrationStep(undefined, undefined)).toEqual({ kind: 'calibration', result: 'failed', entered: false, reason: 'no calibration date: enter calibratedOn in the plan, or set it in the config' })
  })
})

describe('identity steps fit the record', () => {
  const validStep = createValidator<IdentityStep>(IdentityStepSchema)

  it('an FC 43/14 answer longer than the record allows is clipped, so the run is not refused whole', () => {
    const step = identityStep(methane, { state: 'online', identified: true, identity: { vendorName: 'V'.repeat(300), ['x'.repeat(40)]: 'y' } })
    expect(step.read).toEqual({ vendorName: 'V'.repeat(250), ['x'.repeat(32)]: 'y' })
    expect(validStep(step), JSON.stringify(validStep.errors)).toBe(true)
  })

  it('every step above is a valid identity step', () => {
    for (const info of [undefined, { state: 'offline', identified: false }, { state: 'online', identified: true }, { state: 'online', identified: true, mismatch: 'm'.repeat(600) }]) {
      const step = identityStep(methane, info)
      expect(validStep(step), JSON.stringify(validStep.errors)).toBe(true)
    }
  })
})
