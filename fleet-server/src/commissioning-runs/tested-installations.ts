import { shanghaiDay } from '../../../protocols/calendar/index.ts'

/**
 * When signed test runs make a regulatory system installed, pure: a system of a site is installed by
 * test once every device the site has for it (its gateways' inventories) passed in some accepted run,
 * periodic or commissioning. The date is the Asia/Shanghai day of the first passed run after which
 * that held; a failed run never completes a system, and a failed device result never counts.
 */

/** A device of a site's inventories with the regulatory system it belongs to. */
export interface SystemDevice {
  gatewayId: string
  device: string
  system: string
}

/** What the decision needs of an accepted run: whose, when it ended, and each device's result. */
export interface RunOutcome {
  gatewayId: string
  runId: string
  result: 'passed' | 'failed'
  endedAt: number
  devices: readonly { device: string; result: 'passed' | 'failed' }[]
}

interface TestedInstallation {
  system: string
  /** YYYY-MM-DD, Asia/Shanghai: the day the completing run ended */
  commissionedOn: string
  /** the runs that passed the system's devices (each device's first pass, and the completing run), in time order */
  runIds: string[]
  /** the system's devices */
  devices: string[]
  /** the run that completed the set */
  completedBy: { gatewayId: string; runId: string }
}

const deviceKey = (gatewayId: string, device: string) => `${gatewayId}\u0000${device}`
const byTime = (a: RunOutcome, b: RunOutcome) => a.endedAt - b.endedAt || a.runId.localeCompare(b.runId)

/** Per system of `devices`: the first passed run after which each of its devices had passed, if there is one. */
export function testedInstallations(devices: readonly SystemDevice[], runs: readonly RunOutcome[]): TestedInstallation[] {
  const ordered = [...runs].sort(byTime)
  /** each device's passes, earliest first */
  const passes = new Map<string, RunOutcome[]>()
  for (const run of ordered) {
    for (const d of run.devices) {
      if (d.result !== 'passed') continue
      const key = deviceKey(run.gatewayId, d.device)
      passes.set(key, [...(passes.get(key) ?? []), run])
    }
  }
  const systems = new Map<string, SystemDevice[]>()
  for (const d of devices) systems.set(d.system, [...(systems.get(d.system) ?? []), d])
  const installations: TestedInstallation[] = []
  for (const [system, own] of [...systems].sort(([a], [b]) => a.localeCompare(b))) {
    const keys = new Set(own.map((d) => deviceKey(d.gatewayId, d.device)))
    const firsts = [...keys].map((key) => passes.get(key)?.[0])
    if (firsts.some((first) => first === undefined)) continue
    const completedAt = Math.max(...firsts.map((first) => first!.endedAt))
    // the completing run: the first passed run, from the moment every device had passed, that passed one of them
    const completing = ordered.find((run) => run.result === 'passed' && run.endedAt >= completedAt
      && run.devices.some((d) => d.result === 'passed' && keys.has(deviceKey(run.gatewayId, d.device))))
    if (completing === undefined) continue
    const used = [...new Set([...firsts as RunOutcome[], completing])].sort(byTime)
    installations.push({
      system,
      commissionedOn: shanghaiDay(completing.endedAt),
      runIds: used.map((run) => run.runId),
      devices: own.map((d) => d.device).sort(),
      completedBy: { gatewayId: completing.gatewayId, runId: completing.runId },
    })
  }
  return installations
}
