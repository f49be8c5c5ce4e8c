import { isBitTable, registerCount, RegisterImage } from '../protocols/modbus/index.ts'
import type { PathSegment } from '../protocols/validation/index.ts'
import { compileProfile, layoutOf, roleOf } from './compile.ts'
import { decodeImage } from './decode.ts'
import type { AlarmLevel, Profile } from './schema.ts'

export interface ProfileIssue {
  path: PathSegment[]
  message: string
}

export const STANDARD_BAUDS = [1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200] as const

/** Two engineering values agree when equal, or, for float32 sources, equal to the float32 precision. */
export function sameValue(actual: unknown, expected: unknown): boolean {
  if (typeof actual === 'number' && typeof expected === 'number') {
    return actual === expected || Math.abs(actual - expected) <= 1e-6 * Math.max(Math.abs(actual), Math.abs(expected))
  }
  return actual === expected
}

/** A high level clears below restore, a low level above it: restore past value would never clear. */
export function restoreWrongSide(level: AlarmLevel): boolean {
  if (level.restore === undefined) return false
  return level.direction === 'high' ? level.restore > level.value : level.restore < level.value
}

export const restoreMessage = (level: AlarmLevel) => level.direction === 'high'
  ? `restore ${level.restore} is on the alarm side of ${level.value}: a high level clears when the value falls below restore, so restore must be at most ${level.value}`
  : `restore ${level.restore} is on the alarm side of ${level.value}: a low level clears when the value rises above restore, so restore must be at least ${level.value}`

/** Checks a schema cannot express: references, overlaps, consistency of types, alarm order, test vectors. */
export function checkProfile(profile: Profile): ProfileIssue[] {
  const issues: ProfileIssue[] = []
  const issue = (path: PathSegment[], message: string) => issues.push({ path, message })
  const ids = new Map<string, number>()
  profile.channels.forEach((c, i) => {
    if (ids.has(c.id)) issue(['channels', i, 'id'], `duplicate channel id "${c.id}" (also channels[${ids.get(c.id)}])`)
    else ids.set(c.id, i)
  })
  const byId = (id: string) => profile.channels.find((c) => c.id === id)

  if (profile.serial && !(STANDARD_BAUDS as readonly number[]).includes(profile.serial.baud)) {
    issue(['serial', 'baud'], `${profile.serial.baud} is not a standard baud rate (${STANDARD_BAUDS.join(', ')})`)
  }
  const { identification } = profile
  if (identification.none) {
    if (identification.deviceId || identification.signature) issue(['identification', 'none'], 'none means the device cannot be identified: drop deviceId and signature, or drop none')
    else if (identification.reason === undefined) issue(['identification', 'none'], 'none needs a reason: why the device cannot be identified (no identity registers, no FC 43/14)')
  } else if (identification.reason !== undefined) {
    issue(['identification', 'reason'], 'reason goes with none: true')
  } else if (!identification.deviceId && !identification.signature) {
    issue(['identification'], 'needs deviceId (FC 43/14), a signature register, or none: true with a reason')
  }

  profile.channels.forEach((c, i) => {
    const at = (...rest: PathSegment[]) => ['channels', i, ...rest]
    const bitTable = isBitTable(c.table)
    if (c.type === 'bool' && !bitTable) issue(at('type'), `bool lives in a coil or discrete table, not ${c.table}`)
    if (c.type !== 'bool' && bitTable) issue(at('type'), `${c.table} holds single bits: use type bool`)
    if (c.type === 'bit' && c.bit === undefined) issue(at('bit'), 'type bit needs a bit index 0..15')
    if (c.type !== 'bit' && c.bit !== undefined) issue(at('bit'), 'bit is only for type bit')
    if (c.type === 'string' && c.length === undefined) issue(at('length'), 'type string needs a length in registers')
    if (c.type !== 'string' && c.length !== undefined) issue(at('length'), 'length is only for type string')
    if (c.order && registerCount(layoutOf(c)) < 2 && c.type !== 'string') issue(at('order'), `order has no meaning for single-register ${c.type}`)
    if (c.writable && (c.table === 'discrete' || c.table === 'input')) issue(at('writable'), `${c.table} is read-only in Modbus`)
    const numeric = c.type !== 'bool' && c.type !== 'bit' && c.type !== 'string'
    if (c.writable && numeric && !c.range) issue(at('range'), 'a writable point needs a range')
    if (c.range && c.range.min >= c.range.max) issue(at('range'), `min ${c.range.min} must be below max ${c.range.max}`)
    if (c.scale === 0) issue(at('scale'), 'scale 0 would read every value as the offset')
    if (c.decimalsFrom !== undefined) {
      const source = byId(c.decimalsFrom)
      if (!source) issue(at('decimalsFrom'), `no channel "${c.decimalsFrom}"`)
      else if (!['uint16', 'int16'].includes(source.type)) issue(at('decimalsFrom'), `"${c.decimalsFrom}" must be uint16 or int16 to hold an exponent`)
    }
    if (c.feedbackOf !== undefined) {
      const output = byId(c.feedbackOf)
      if (!output) issue(at('feedbackOf'), `no channel "${c.feedbackOf}"`)
      else if (!output.writable) issue(at('feedbackOf'), `"${c.feedbackOf}" is not a writable output`)
    }
    if (c.alarms && c.alarms.length > 0) {
      if (!numeric) issue(at('alarms'), 'alarm levels need a numeric channel')
      if (c.unit === undefined) issue(at('unit'), 'a channel with alarm levels needs a unit')
      c.alarms.forEach((level, j) => {
        if (restoreWrongSide(level)) issue(at('alarms', j, 'restore'), restoreMessage(level))
      })
      const levels = (direction: 'high' | 'low') => c.alarms!.filter((l) => l.direction === direction).map((l) => l.value)
      const high = levels('high')
      const low = levels('low')
      if (high.some((v, k) => k > 0 && v < high[k - 1]!)) issue(at('alarms'), 'high-going levels must be listed in rising order')
      if (low.some((v, k) => k > 0 && v > low[k - 1]!)) issue(at('alarms'), 'low-going levels must be listed in falling order')
    }
    if (roleOf(c) === 'measurement' && numeric && c.unit === undefined) issue(at('unit'), 'a measurement needs a unit')
  })

  // no two channels may claim the same register, except bits of one status register
  const owners = new Map<string, number>()
  profile.channels.forEach((c, i) => {
    const count = isBitTable(c.table) ? 1 : registerCount(layoutOf(c))
    for (let a = c.address; a < c.address + count; a++) {
      const key = `${c.table}:${a}`
      const other = owners.get(key)
      if (other === undefined) {
        owners.set(key, i)
        continue
      }
      const first = profile.channels[other]!
      if (!(c.type === 'bit' && first.type === 'bit' && c.bit !== first.bit)) {
        issue(['channels', i, 'address'], `${c.table} ${a} is already used by channel "${first.id}"`)
        break
      }
    }
  })

  profile.planning?.unreadable?.forEach((range, i) => {
    if (range.from > range.to) issue(['planning', 'unreadable', i], `from ${range.from} is after to ${range.to}`)
    for (const c of profile.channels) {
      const count = isBitTable(c.table) ? 1 : registerCount(layoutOf(c))
      if (c.table === range.table && c.address <= range.to && c.address + count > range.from) {
        issue(['planning', 'unreadable', i], `covers channel "${c.id}"`)
      }
    }
  })

  profile.quality?.forEach((rule, i) => {
    const status = byId(rule.channel)
    if (!status) issue(['quality', i, 'channel'], `no channel "${rule.channel}"`)
    if ((rule.equals === undefined) === (rule.notIn === undefined)) issue(['quality', i], 'needs exactly one of equals or notIn')
    rule.applies?.forEach((id, j) => {
      if (!byId(id)) issue(['quality', i, 'applies', j], `no channel "${id}"`)
    })
  })

  if (issues.length === 0) issues.push(...checkVectors(profile))
  return issues
}

function checkVectors(profile: Profile): ProfileIssue[] {
  const issues: ProfileIssue[] = []
  const compiled = compileProfile(profile)
  profile.vectors.forEach((vector, v) => {
    const at = (...rest: PathSegment[]) => ['vectors', v, ...rest]
    const image = RegisterImage.from(vector.registers)
    const before = issues.length
    for (const c of compiled.channels.values()) {
      if (!image.read(c.channel.table, c.point.address, c.point.count)) {
        issues.push({ path: at('registers'), message: `no ${c.channel.table} ${c.point.address}..${c.point.address + c.point.count - 1} for channel "${c.channel.id}"` })
      }
    }
    for (const id of Object.keys(vector.quality ?? {})) {
      if (!compiled.channels.has(id)) issues.push({ path: at('quality', id), message: `no channel "${id}"` })
    }
    if (issues.length > before) return
    const readings = decodeImage(compiled, image)
    // a value reported wrong already says its quality and why: no second line for the same channel
    const wrongValue = new Set<string>()
    for (const [id, expected] of Object.entries(vector.expect)) {
      const reading = readings[id]
      if (!reading) issues.push({ path: at('expect', id), message: `no channel "${id}"` })
      else if (!sameValue(reading.value, expected)) {
        wrongValue.add(id)
        const why = reading.quality === 'good' ? '' : ` (${reading.quality}${reading.reason ? `: ${reading.reason}` : ''})`
        issues.push({ path: at('expect', id), message: `expected ${JSON.stringify(expected)}, the registers decode to ${JSON.stringify(reading.value)}${why}` })
      }
    }
    for (const [id, reading] of Object.entries(readings)) {
      if (wrongValue.has(id)) continue
      const expected = vector.quality?.[id] ?? 'good'
      if (reading.quality !== expected) {
        issues.push({ path: vector.quality?.[id] ? at('quality', id) : at('expect'), message: `channel "${id}": expected quality ${expected}, got ${reading.quality}${reading.reason ? ` (${reading.reason})` : ''}` })
      }
    }
  })
  return issues
}
