import type { Profile } from '../../../hardware-profiles/index.ts'
import type { ProfileMatch } from './profile-match.ts'
import { settingLabel, type SerialSetting } from './settings.ts'

interface Tied {
  setting: SerialSetting | undefined
  alsoAt: SerialSetting[]
  swept?: true
  matches: ProfileMatch[]
  settingNote?: string
}

const sameFraming = (a: SerialSetting, b: SerialSetting) => a.baud === b.baud && a.parity === b.parity && a.stopBits === b.stopBits

/**
 * Devices that answered alike at several framings of one baud (a line that does not tell parity apart, or
 * devices that do not check it) are put at the framing the most matched profiles leave the factory with,
 * the same one for all of them so that they can share the line; the scan order decides what that leaves tied.
 * Devices the sweep found at such a framing were probed at no other: they follow the ones they were found with.
 */
export function preferFactoryFraming<T extends Tied>(given: readonly T[], profiles: readonly Profile[]): T[] {
  const devices = given.map((device) => {
    if (!device.swept || device.alsoAt.length > 0) return device
    const companion = given.find((d) => !d.swept && d.alsoAt.length > 0 && d.setting !== undefined && device.setting !== undefined && sameFraming(d.setting, device.setting))
    return companion ? { ...device, alsoAt: companion.alsoAt } : device
  })
  const tied = devices.filter((d) => d.setting !== undefined && d.alsoAt.length > 0)
  if (tied.length === 0) return [...devices]
  const candidates = [tied[0]!.setting!, ...tied[0]!.alsoAt].filter((c) => tied.every((d) => [d.setting!, ...d.alsoAt].some((s) => sameFraming(s, c))))
  const votes = (candidate: SerialSetting) => tied.filter((d) => d.matches.some((m) => {
    const serial = profiles.find((p) => p.id === m.profile)?.serial
    return serial !== undefined && serial.parity === candidate.parity && (serial.stopBits ?? 1) === candidate.stopBits
  })).length
  const best = candidates.reduce<SerialSetting | undefined>((top, c) => (top === undefined || votes(c) > votes(top) ? c : top), undefined)
  if (best === undefined || votes(best) === 0) return [...devices]
  return devices.map((device) => {
    if (!tied.includes(device) || sameFraming(device.setting!, best)) return device
    const all = [device.setting!, ...device.alsoAt]
    return {
      ...device,
      setting: best,
      alsoAt: all.filter((s) => !sameFraming(s, best)),
      settingNote: `${device.settingNote ?? ''}; ${settingLabel(best)} taken: the framing the matched profiles leave the factory with`,
    }
  })
}
