import { framingMismatch, STANDARD_BAUDS, type Channel, type Profile } from '../../../hardware-profiles/index.ts'
import { framingLabel } from '../../../protocols/modbus/index.ts'
import { calendarDayProblem, type PathSegment } from '../../../protocols/validation/index.ts'
import { checkDeviceAlarms, quoteList } from './check-alarms.ts'
import { checkTestPeriods } from './check-periods.ts'
import { checkArmedBudgets } from './armed-budget.ts'
import { checkTripLatencies } from './trip-latency.ts'
import { framingOf, rtuBusLoads } from './wire-load.ts'
import { DEFAULTS, type BusConfig, type ConditionConfig, type GatewayConfig } from './schema.ts'

/** "an int16", "a uint16", "a float32": of the channel types, only int16 and int32 begin with a vowel sound. */
export const typeWithArticle = (type: string): string => `${type.startsWith('int') ? 'an' : 'a'} ${type}`

/** A mistake the schema cannot see; load.ts locates it in the YAML. */
export interface ConfigIssue {
  path: PathSegment[]
  message: string
  /** point at the key rather than its value */
  onKey?: boolean
  /** worth saying, but the config is valid: `check` prints it and still exits 0 */
  warning?: boolean
}

/** Checks across the config and the profiles it names; `profiles[i]` is devices[i]'s profile when it loaded. */
export function checkConfig(config: GatewayConfig, profiles: ReadonlyArray<Profile | undefined>): ConfigIssue[] {
  const issues: ConfigIssue[] = []
  const issue = (path: PathSegment[], message: string, onKey = false) => issues.push({ path, message, onKey })
  const warn = (path: PathSegment[], message: string) => issues.push({ path, message, warning: true })

  const duplicates = (list: 'buses' | 'devices' | 'interlocks', what: string, ids: readonly string[]) => {
    const first = new Map<string, number>()
    ids.forEach((id, i) => {
      const earlier = first.get(id)
      if (earlier === undefined) first.set(id, i)
      else issue([list, i, 'id'], `duplicate ${what} id "${id}" (also ${list}[${earlier}])`)
    })
  }
  duplicates('buses', 'bus', config.buses.map((b) => b.id))
  duplicates('devices', 'device', config.devices.map((d) => d.id))
  duplicates('interlocks', 'interlock', (config.interlocks ?? []).map((l) => l.id))

  checkTimezone(config.gateway.timezone, issue)
  checkBuses(config.buses, issue)
  const busById = new Map(config.buses.map((b) => [b.id, b] as const))
  const deviceById = new Map(config.devices.map((d, i) => [d.id, i] as const))

  // one physical line (RTU path, TCP host:port) is one unit-id space
  const lineOf = (bus: BusConfig) => (bus.type === 'rtu' ? `rtu ${bus.path}` : `tcp ${bus.host.toLowerCase()}:${bus.port ?? DEFAULTS.tcpPort}`)
  const unitOwners = new Map<string, number>()
  config.devices.forEach((device, i) => {
    const bus = busById.get(device.bus)
    const profile = profiles[i]
    if (!bus) {
      issue(['devices', i, 'bus'], `no bus "${device.bus}" (buses: ${quoteList(config.buses.map((b) => b.id))})`)
    } else {
      const key = `${lineOf(bus)} unit ${device.unit}`
      const other = unitOwners.get(key)
      if (other !== undefined) issue(['devices', i, 'unit'], `unit ${device.unit} is already used by device "${config.devices[other]!.id}" on ${lineOf(bus)}`)
      else unitOwners.set(key, i)
      // an RTU device on a TCP bus sits behind a Modbus TCP-to-RTU gateway (MOXA MGate and the like), as is
      // common on site; a TCP-only device can never be on a serial line
      if (profile && !profile.transports.includes(bus.type) && !(bus.type === 'tcp' && profile.transports.includes('rtu'))) {
        issue(['devices', i, 'profile'], `profile "${profile.id}" speaks ${profile.transports.join(' and ')} only, but bus "${bus.id}" is ${bus.type}`)
      }
      // on a real line a device at other settings than the bus is silent: a comm-fail with no clue why
      // (a bus at a non-standard baud is an error of its own already)
      const standard = bus.type === 'rtu' && (STANDARD_BAUDS as readonly number[]).includes(bus.baud)
      const mismatch = profile && standard ? framingMismatch(framingOf(bus), profile) : undefined
      if (mismatch) {
        warn(['devices', i, 'bus'], `profile factory setting ${mismatch.factory}; bus ${bus.id} is ${mismatch.bus}: unit ${device.unit} answers only if it was set to the bus's settings (else comm-fail)`)
      }
    }
    if (profile?.identification.none) {
      warn(['devices', i, 'profile'], `profile "${profile.id}" has identification none (${profile.identification.reason ?? 'no reason given'}): the agent cannot check that unit ${device.unit} is the ${profile.vendor} ${profile.model} it describes`)
    }
    if (profile) checkDeviceAgainstProfile(i, device, profile, issue)
  })

  checkWireBudget(config, profiles, issue)
  checkTestPeriods(config, profiles, warn)
  ;(config.interlocks ?? []).forEach((interlock, i) => {
    const at = (...rest: PathSegment[]): PathSegment[] => ['interlocks', i, ...rest]
    const channelOf = (path: PathSegment[], ref: { device: string; channel: string }): Channel | undefined => {
      const deviceIndex = deviceById.get(ref.device)
      if (deviceIndex === undefined) {
        issue([...path, 'device'], `no device "${ref.device}"`)
        return undefined
      }
      const profile = profiles[deviceIndex]
      if (!profile) return undefined
      const channel = profile.channels.find((c) => c.id === ref.channel)
      if (!channel) issue([...path, 'channel'], `device "${ref.device}" (profile ${profile.id}) has no channel "${ref.channel}"; channels: ${quoteList(profile.channels.map((c) => c.id))}`)
      return channel
    }
    interlock.when.forEach((condition, j) => {
      if (condition.channel === undefined) {
        if (!deviceById.has(condition.device)) issue([...at('when', j), 'device'], `no device "${condition.device}"`)
        checkCondition(at('when', j), condition, undefined, issue)
      } else {
        checkCondition(at('when', j), condition, channelOf(at('when', j), { device: condition.device, channel: condition.channel }), issue)
      }
    })
    const output = channelOf(at('action'), interlock.action)
    if (output) {
      if (!output.writable) issue(at('action', 'channel'), `channel "${output.id}" of device "${interlock.action.device}" is not writable`)
      else {
        checkOutputValue(at('action', 'value'), output, interlock.action.value, issue)
        const { restoreValue } = interlock.action
        if (restoreValue !== undefined) checkOutputValue(at('action', 'restoreValue'), output, restoreValue, issue)
        else if (!isBool(output)) issue(at('action'), `channel "${output.id}" is ${typeWithArticle(output.type)} register: give restoreValue, the value written on restore`)
      }
    }
    const feedback = interlock.action.feedback && channelOf(at('action', 'feedback'), interlock.action.feedback)
    if (feedback && output && feedback.feedbackOf !== undefined && interlock.action.feedback!.device === interlock.action.device && feedback.feedbackOf !== output.id) {
      issue(at('action', 'feedback', 'channel'), `"${feedback.id}" is the feedback of "${feedback.feedbackOf}", not of "${output.id}"`)
    }
  })
  checkTripLatencies(config, profiles, warn)
  checkArmedBudgets(config, profiles, warn)
  return issues
}

type IssueFn = (path: PathSegment[], message: string, onKey?: boolean) => void

function checkBuses(buses: readonly BusConfig[], issue: IssueFn): void {
  const lines = new Map<string, number>()
  buses.forEach((bus, i) => {
    if (bus.type === 'rtu' && !(STANDARD_BAUDS as readonly number[]).includes(bus.baud)) {
      issue(['buses', i, 'baud'], `${bus.baud} is not a standard baud rate (${STANDARD_BAUDS.join(', ')})`)
    }
    const key = bus.type === 'rtu' ? bus.path : `${bus.host.toLowerCase()}:${bus.port ?? DEFAULTS.tcpPort}`
    const other = lines.get(`${bus.type} ${key}`)
    if (other === undefined) lines.set(`${bus.type} ${key}`, i)
    else if (bus.type === 'rtu') issue(['buses', i, 'path'], `${key} is already bus "${buses[other]!.id}"; put the devices of one serial line on one bus`)
    else issue(['buses', i, bus.port === undefined ? 'host' : 'port'], `${key} is already bus "${buses[other]!.id}"; one host:port is one bus`)
  })
}

function checkDeviceAgainstProfile(i: number, device: GatewayConfig['devices'][number], profile: Profile, issue: IssueFn): void {
  if (device.system && !profile.systems.includes(device.system)) {
    issue(['devices', i, 'system'], `profile "${profile.id}" serves ${profile.systems.join(', ')}, not ${device.system}`)
  }
  checkDeviceAlarms(i, device, profile, issue)
  const calibratedOn = device.calibratedOn ? calendarDayProblem(device.calibratedOn) : undefined
  if (calibratedOn !== undefined) issue(['devices', i, 'calibratedOn'], calibratedOn)
}

const isNumeric = (channel: Channel) => !['bool', 'bit', 'string'].includes(channel.type)
const isBool = (channel: Channel) => channel.type === 'bool' || channel.type === 'bit'

function checkTimezone(timezone: string | undefined, issue: IssueFn): void {
  if (timezone === undefined) return
  try {
    new Intl.DateTimeFormat('en', { timeZone: timezone })
  } catch {
    issue(['gateway', 'timezone'], `"${timezone}" is not an IANA time zone (e.g. Asia/Shanghai)`)
  }
}

function checkCondition(path: PathSegment[], condition: ConditionConfig, channel: Channel | undefined, issue: IssueFn): void {
  const tests = (['above', 'below', 'equals', 'health'] as const).filter((k) => condition[k] !== undefined)
  if (tests.length === 0) issue(path, 'needs one of above, below, equals (with a channel) or health')
  if (tests.length > 1) issue([...path, tests[1]!], `give one of above, below, equals or health, not ${tests.join(' and ')} (use two conditions with mode: all for a band)`, true)
  if (tests.length !== 1) return
  if (condition.restore !== undefined) {
    if (condition.above !== undefined && condition.restore > condition.above) issue([...path, 'restore'], `restore ${condition.restore} is above the trip level ${condition.above}: the condition would never clear past it`)
    if (condition.below !== undefined && condition.restore < condition.below) issue([...path, 'restore'], `restore ${condition.restore} is below the trip level ${condition.below}: the condition would never clear past it`)
    if (condition.above === undefined && condition.below === undefined) issue([...path, 'restore'], 'restore goes with above or below', true)
  }
  // how far from the trip the value sits in normal operation is not known here, so no bound past that
  if (condition.armMargin !== undefined && condition.above === undefined && condition.below === undefined) {
    issue([...path, 'armMargin'], 'armMargin goes with above or below: a source is armed on its way to a trip level', true)
  }
  if (tests[0] === 'health') {
    if (condition.channel !== undefined) issue([...path, 'channel'], 'a health condition is on the whole device: drop channel', true)
    return
  }
  if (condition.channel === undefined) {
    issue(path, `${tests[0]} needs a channel: the condition is on a channel's value`)
    return
  }
  if (!channel) return
  if (condition.above !== undefined || condition.below !== undefined) {
    if (!isNumeric(channel)) issue([...path, tests[0]!], `channel "${channel.id}" is ${channel.type}; use equals: true or false`, true)
  } else if (typeof condition.equals === 'boolean' && isNumeric(channel)) {
    issue([...path, 'equals'], `channel "${channel.id}" is ${channel.type}; compare it with a number`)
  }
}

function checkOutputValue(path: PathSegment[], channel: Channel, value: number | boolean, issue: IssueFn): void {
  if (channel.type === 'bool' || channel.type === 'bit') {
    if (typeof value !== 'boolean' && value !== 0 && value !== 1) issue(path, `channel "${channel.id}" is ${typeWithArticle(channel.type)}: write true or false`)
  } else if (typeof value === 'boolean') {
    issue(path, `channel "${channel.id}" is ${channel.type}: write a number`)
  } else if (channel.range && (value < channel.range.min || value > channel.range.max)) {
    issue(path, `${value} is outside the range of "${channel.id}" (${channel.range.min}..${channel.range.max})`)
  }
}

const ms = (value: number) => (value >= 100 ? `${Math.ceil(value)} ms` : `${value.toFixed(1)} ms`)

function checkWireBudget(config: GatewayConfig, profiles: ReadonlyArray<Profile | undefined>, issue: IssueFn): void {
  for (const bus of rtuBusLoads(config, profiles)) {
    const label = framingLabel(bus.framing)
    for (const d of bus.devices) {
      if (d.pollMs >= d.wireMs) continue
      const device = config.devices[d.deviceIndex]!
      issue(['devices', d.deviceIndex, 'pollMs'],
        `${device.pollMs === undefined ? 'the default ' : ''}poll period ${d.pollMs} ms is shorter than one poll takes on the wire at ${label} (${ms(d.wireMs)} for ${d.requests} requests); lengthen pollMs`)
    }
    // a device already reported above counts at its least possible period, so the bus figure is not just an echo of it
    const load = bus.devices.reduce((sum, d) => sum + d.wireMs / Math.max(d.pollMs, d.wireMs), 0)
    if (load > 1) {
      issue(['buses', bus.busIndex],
        `the devices need ${load.toFixed(2)} s of wire time per second at ${label} (${bus.devices.length} devices; cycle at least ${ms(bus.cycleMs)}); lengthen pollMs or split the bus`)
    }
  }
}

