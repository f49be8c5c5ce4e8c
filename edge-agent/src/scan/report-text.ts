import type { FoundDevice, ScanReport } from './scan-line.ts'
import { settingLabel } from './settings.ts'

const where = (device: FoundDevice) => (device.setting ? settingLabel(device.setting) : 'tcp')

/** A device as the installer reads it on a terminal: id, setting, what it is and why we think so. */
export function deviceLines(device: FoundDevice): string[] {
  const what = device.matches.length > 0
    ? device.matches.map((m) => `${m.profile} (${m.evidence})`).join('; also ')
    : 'unknown: no profile in the library matches'
  const lines = [`unit ${device.unit} at ${where(device)}: ${what}`]
  if (device.settingNote) lines.push(`  setting: ${device.settingNote}`)
  if (device.matches.length === 0) {
    for (const line of device.asked) lines.push(`  ${line}`)
    for (const float of device.floats) lines.push(`  ${float.table} ${float.address}: float32 ${float.order} — ${float.why}`)
    if (device.floats.length === 0) lines.push('  no register pair of holding/input 0–15 reads as a float in one word order alone')
  }
  return lines
}

/** JSON for one device: everything found, nothing derived from the terminal. */
export function deviceJson(device: FoundDevice): Record<string, unknown> {
  return {
    unit: device.unit,
    setting: device.setting ? { ...device.setting, dataBits: 8, label: settingLabel(device.setting) } : null,
    ...(device.settingNote && { settingNote: device.settingNote }),
    alsoAt: device.alsoAt.map(settingLabel),
    answered: device.answer,
    profiles: device.matches,
    ...(device.identity && { identity: device.identity }),
    ...(device.serverId && { serverId: device.serverId }),
    asked: device.asked,
    floats: device.floats,
  }
}

export function summaryLine(report: ScanReport, seconds: number): string {
  const known = report.devices.filter((d) => d.matches.length > 0).length
  const garbled = report.garbledAt.length > 0 ? `; bytes that made no frame at ${report.garbledAt.map(settingLabel).join(', ')} (a device at a setting not tried, or a noisy line)` : ''
  const ignores = report.ignoresUnitId ? '; the endpoint answers at every unit id (a TCP device that ignores it): listed once' : ''
  return `found ${report.devices.length} device(s), ${known} with a profile, in ${seconds.toFixed(1)} s (${report.probes} probes in ${(report.searchMs / 1000).toFixed(1)} s, then identification)${garbled}${ignores}`
}
