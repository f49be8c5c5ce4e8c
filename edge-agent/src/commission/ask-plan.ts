import { isCalendarDay } from '../../../protocols/validation/index.ts'
import type { ResolvedConfig } from '../config/index.ts'
import { safetySpecs } from '../config/index.ts'
import type { Plan, PlanDevice } from './plan.ts'

export interface Asker {
  ask(question: string): Promise<string>
  /** the default technician name */
  technician: string
}

async function askUntil(asker: Asker, question: string, valid: (answer: string) => string | undefined): Promise<string> {
  let problem: string | undefined
  for (;;) {
    const answer = (await asker.ask(problem === undefined ? question : `(${problem}) ${question}`)).trim()
    problem = valid(answer)
    if (problem === undefined) return answer
  }
}

const positive = (a: string) => (Number.isFinite(Number(a)) && Number(a) > 0 ? undefined : 'a number above 0')
const day = (a: string) => (isCalendarDay(a) ? undefined : 'a date as YYYY-MM-DD')
const text = (a: string) => (a.length > 0 && a.length <= 64 ? undefined : '1 to 64 characters')

/** Interactively, without a plan: the technician, and for each sensor the test gas and the calibration date. */
export async function askPlan(config: ResolvedConfig, devices: readonly string[], asker: Asker): Promise<Plan> {
  const name = (await asker.ask(`technician [${asker.technician}]: `)).trim() || asker.technician
  const alarms = safetySpecs(config).alarms
  const planned: PlanDevice[] = []
  for (const id of devices) {
    const spec = alarms.find((a) => a.device === id && a.levels.length > 0)
    if (!spec) {
      planned.push({ device: id })
      continue
    }
    const unit = spec.unit ?? ''
    const levels = spec.levels.map((l) => `${l.level} ${l.direction === 'high' ? '≥' : '≤'} ${l.value}`).join(', ')
    const concentration = Number(await askUntil(asker, `${id}/${spec.channel}: test gas concentration in ${unit} (levels: ${levels}): `, positive))
    const gasName = await askUntil(asker, `${id}: the gas (e.g. CH4 in air): `, text)
    const lot = await askUntil(asker, `${id}: cylinder lot: `, text)
    const expiresOn = await askUntil(asker, `${id}: cylinder expires on (YYYY-MM-DD): `, day)
    const configured = config.devices.find((d) => d.id === id)?.calibratedOn
    const calibratedOn = (await asker.ask(`${id}: calibrated on (YYYY-MM-DD)${configured ? ` [${configured}]` : ''}: `)).trim()
    planned.push({
      device: id,
      gas: { name: gasName, concentration, unit, lot, expiresOn, channel: spec.channel },
      ...(calibratedOn !== '' && isCalendarDay(calibratedOn) && { calibratedOn }),
    })
  }
  return { technician: { name }, devices: planned }
}
