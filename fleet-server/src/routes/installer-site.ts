import type { Device, SiteDetail } from '../model/index.ts'
import type { InstallerSite, InstallerSystem } from './installer.schema.ts'

/**
 * What an installer sees of a site: its gateways, its devices by system — the systems the regulation
 * catalog requires of it first, in `required` order, then the others, then devices without one — and
 * the required systems that no device reports for yet. Pure: the site as the store answers it and the
 * required systems (compliance requiredSystems).
 */
export function installerSiteView(detail: SiteDetail, required: readonly string[]): InstallerSite {
  const reporting = new Map(detail.systems.map((s) => [s.system, s.reporting]))
  const bySystem = new Map<string | null, Device[]>(required.map((system) => [system, []]))
  const others = [...new Set(detail.devices.map((d) => d.system ?? null))]
    .filter((system) => !bySystem.has(system))
    .sort((a, b) => (a === null ? 1 : b === null ? -1 : a.localeCompare(b)))
  for (const system of others) bySystem.set(system, [])
  for (const device of detail.devices) bySystem.get(device.system ?? null)!.push(device)
  const systems: InstallerSystem[] = [...bySystem].map(([system, devices]) => ({
    system, required: system !== null && required.includes(system), reporting: system === null ? 0 : reporting.get(system) ?? 0, devices,
  }))
  return {
    site: detail.site,
    gateways: detail.gateways,
    systems,
    missingSystems: required.filter((system) => (reporting.get(system) ?? 0) === 0),
  }
}
