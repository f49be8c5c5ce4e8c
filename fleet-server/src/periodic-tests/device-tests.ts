import { dueDates, laterDay, type Run, type TestDue } from '../../../protocols/commissioning/index.ts'
import { daysBetween, shanghaiDay } from '../../../protocols/calendar/index.ts'
import type { SiteType } from '../../../protocols/site-types.ts'
import type { PeriodicTestStatus } from '../model/index.ts'

/**
 * Where a device's recurring tests stand on the server, pure: the shared rules (dueDates) applied to
 * what the server knows of a device (its profile kind, its site's type, the calibratedOn its gateway's
 * inventory reports) and the passed steps of the verified runs. The server does not know which
 * interlocks a device feeds (the gateway's config does), so it owes calibration and bump tests only.
 */

/** One passed test in a verified run: the day it counts for and the run. */
interface Pass {
  on: string
  runId: string
}

/** The latest passed calibration and bump of one device in the runs. */
interface DevicePasses {
  calibration?: Pass
  bump?: Pass
}

/** What the passes need of a run (a Run is one): its id, gateway and end, and per device its steps' kinds, results and calibration dates. */
export interface RunPasses {
  id: string
  gateway: string
  endedAt: number
  devices: readonly { device: string; kind?: string; steps: readonly { kind: Run['devices'][number]['steps'][number]['kind']; result: string; calibratedOn?: string }[] }[]
}

/** The run without what the passes do not need (readings, figures): small enough to keep in memory for every run. */
export const runPasses = (run: Run): RunPasses => ({
  id: run.id, gateway: run.gateway, endedAt: run.endedAt,
  devices: run.devices.map((d) => ({
    device: d.device, ...(d.kind !== undefined && { kind: d.kind }),
    steps: d.steps.map((step) => ({ kind: step.kind, result: step.result, ...(step.kind === 'calibration' && step.calibratedOn !== undefined && { calibratedOn: step.calibratedOn }) })),
  })),
})

export const deviceKey = (gatewayId: string, device: string): string => `${gatewayId}\u0000${device}`

const later = (current: Pass | undefined, next: Pass): Pass => (current === undefined || daysBetween(current.on, next.on) > 0 ? next : current)

/**
 * Per device (deviceKey) the latest passes of the runs ended by the end of `today` (Asia/Shanghai): a
 * passed calibration step counts on its calibratedOn (the run's day when it names none, or a later one:
 * a calibration is not done after the run confirming it), a passed gas step (bump or span: every level
 * triggered) as a bump test on the run's day.
 */
export function passesOf(runs: readonly RunPasses[], today: string): Map<string, DevicePasses> {
  const passes = new Map<string, DevicePasses>()
  for (const run of runs) {
    const runDay = shanghaiDay(run.endedAt)
    if (daysBetween(runDay, today) < 0) continue
    for (const d of run.devices) {
      const own = passes.get(deviceKey(run.gateway, d.device)) ?? {}
      for (const step of d.steps) {
        if (step.result !== 'passed') continue
        if (step.kind === 'calibration') {
          const on = step.calibratedOn !== undefined && daysBetween(step.calibratedOn, runDay) >= 0 ? step.calibratedOn : runDay
          own.calibration = later(own.calibration, { on, runId: run.id })
        } else if (step.kind === 'gas') {
          own.bump = later(own.bump, { on: runDay, runId: run.id })
        }
      }
      passes.set(deviceKey(run.gateway, d.device), own)
    }
  }
  return passes
}

/** What the server knows of a device for its recurring tests. */
interface TestedDevice {
  kind: string
  siteType: SiteType
  /** from the gateway's inventory */
  calibratedOn?: string
  /** the profile maker's calibration interval */
  makerCalibration?: { days: number; source: string }
}

function answer(due: TestDue, pass: Pass | undefined): PeriodicTestStatus {
  const fromRun = pass !== undefined && due.lastOn === pass.on
  return {
    test: due.test, ...(due.interlock !== undefined && { interlock: due.interlock }), state: due.state,
    ...(due.dueOn !== undefined && { dueOn: due.dueOn }), ...(due.daysLeft !== undefined && { daysLeft: due.daysLeft }),
    ...(due.lastOn !== undefined && { lastOn: due.lastOn, lastFrom: fromRun ? 'run' : 'inventory' }), ...(fromRun && { runId: pass.runId }),
    periodDays: due.periodDays, dueSoonDays: due.dueSoonDays, source: due.source,
  }
}

/** The device's recurring tests on `today`, each from the later of the inventory's date and the runs' (an inventory date after today ignored). */
export function deviceTests(device: TestedDevice, passes: DevicePasses | undefined, today: string): PeriodicTestStatus[] {
  const inventory = device.calibratedOn !== undefined && daysBetween(device.calibratedOn, today) >= 0 ? device.calibratedOn : undefined
  const facts = { kind: device.kind, siteType: device.siteType, ...(device.makerCalibration && { makerCalibration: device.makerCalibration }) }
  const last = { calibration: laterDay(inventory, passes?.calibration?.on), bump: passes?.bump?.on }
  return dueDates(facts, last, today).map((due) => answer(due, due.test === 'calibration' ? passes?.calibration : due.test === 'bump' ? passes?.bump : undefined))
}
