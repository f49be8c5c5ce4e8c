import type { PeriodicTest, Run, SignedRun } from '../../../protocols/commissioning/index.ts'
import { localDay } from '../../../protocols/calendar/index.ts'
import type { TestHistory } from '../periodic/notices.ts'

/**
 * The recurring tests the gateway's own signed runs passed, by device: a passed calibration step
 * counts on its calibration date, a passed gas step as a bump test and a passed interlock step (not a
 * declared bypass) as that interlock's function test, each on the day (gateway time) it happened.
 */
export class RunHistory implements TestHistory {
  private readonly last = new Map<string, string>()

  constructor(runs: readonly SignedRun[], private readonly timeZone: string) {
    for (const { run } of runs) this.add(run as Run)
  }

  add(run: Run): void {
    for (const device of run.devices) {
      for (const step of device.steps) {
        if (step.result !== 'passed') continue
        if (step.kind === 'calibration' && step.calibratedOn !== undefined) this.note(device.device, 'calibration', undefined, step.calibratedOn)
        if (step.kind === 'gas') this.note(device.device, 'bump', undefined, localDay(step.appliedAt, this.timeZone))
        if (step.kind === 'interlock') this.note(device.device, 'interlock', step.interlock, localDay(step.trippedAt ?? run.startedAt, this.timeZone))
      }
    }
  }

  lastPassed(device: string, test: PeriodicTest, interlock?: string): string | undefined {
    return this.last.get(keyOf(device, test, interlock))
  }

  private note(device: string, test: PeriodicTest, interlock: string | undefined, day: string): void {
    const key = keyOf(device, test, interlock)
    const known = this.last.get(key)
    if (known === undefined || day > known) this.last.set(key, day)
  }
}

const keyOf = (device: string, test: PeriodicTest, interlock: string | undefined): string => `${device}\u0000${test}\u0000${interlock ?? ''}`
