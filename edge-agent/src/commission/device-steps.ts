import type { CalibrationStep, IdentityStep } from '../../../protocols/commissioning/index.ts'
import type { Profile } from '../../../hardware-profiles/index.ts'
import type { DeviceInfo } from './desk.ts'
import { hexWords } from '../scan/profile-match.ts'

/**
 * Communication and identity: the device answers, and the model it reports (FC 43/14 or the
 * signature registers, as the poll engine read them) is the profile's. A profile that declares no
 * identification passes on communication alone, and the record says so.
 */
export function identityStep(profile: Profile, info: DeviceInfo | undefined): IdentityStep {
  const expected = { vendor: profile.vendor, model: profile.model }
  const signature = profile.identification.signature
  // a device's FC 43/14 strings may be longer than the record allows (the run would then be refused whole)
  const answered = info?.identity && Object.fromEntries(Object.entries(info.identity).map(([key, value]) => [key.slice(0, 32), value.slice(0, 250)]))
  const read = answered ?? (info?.identified === true && signature
    ? { signature: `${signature.table} ${signature.address} = ${hexWords(signature.values)}` }
    : {})
  const base = { kind: 'identity' as const, expected, read }
  if (info?.state !== 'online') return { ...base, result: 'failed', reason: `the device does not answer (${info?.state ?? 'no poll result yet'})` }
  if (info.mismatch !== undefined) return { ...base, result: 'failed', reason: `not the configured model: ${info.mismatch}`.slice(0, 500) }
  if (profile.identification.none === true) {
    return { ...base, result: 'passed', reason: `communication only: the profile declares no identification (${profile.identification.reason ?? 'no reason given'})`.slice(0, 500) }
  }
  if (!info.identified) return { ...base, result: 'failed', reason: 'the device answers, but its model was not checked yet' }
  return { ...base, result: 'passed' }
}

/** The calibration date: entered during the run, else the configured one confirmed; none is a failure. */
export function calibrationStep(entered: string | undefined, configured: string | undefined): CalibrationStep {
  if (entered !== undefined) return { kind: 'calibration', result: 'passed', calibratedOn: entered, entered: true }
  if (configured !== undefined) return { kind: 'calibration', result: 'passed', calibratedOn: configured, entered: false }
  return { kind: 'calibration', result: 'failed', entered: false, reason: 'no calibration date: enter calibratedOn in the plan, or set it in the config' }
}
