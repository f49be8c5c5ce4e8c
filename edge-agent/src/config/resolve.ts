import { dirname, isAbsolute, join } from 'node:path'
import type { Profile } from '../../../hardware-profiles/index.ts'
import { DEFAULTS, type BusConfig, type DeviceConfig, type GatewayConfig, type InterlockConfig, type SerialBusConfig, type TcpBusConfig } from './schema.ts'

type WithDefaults<T, K extends keyof T> = Omit<T, K> & { [P in K]-?: Exclude<T[P], undefined> }

export type ResolvedSerialBus = WithDefaults<SerialBusConfig, 'parity' | 'dataBits' | 'stopBits' | 'timeoutMs' | 'retries' | 'turnaroundMs' | 'armedShare' | 'armedPollMs'>
export type ResolvedTcpBus = WithDefaults<TcpBusConfig, 'port' | 'timeoutMs' | 'retries' | 'maxInFlight' | 'armedShare' | 'armedPollMs'>
export type ResolvedBus = ResolvedSerialBus | ResolvedTcpBus

/** `calibrationDueSoonDays` and the gateway's `timezone` are filled in by resolveDefaults but stay optional in the types, so configs built by hand (bench/) need not repeat them. */
export type ResolvedDevice = WithDefaults<DeviceConfig, 'pollMs' | 'priority'> & {
  /** the checked profile `profile` names, so the engine never reads YAML again */
  loadedProfile: Profile
}

export type ResolvedInterlock = WithDefaults<InterlockConfig, 'mode' | 'failSafe' | 'restoreAfterMs' | 'manualReset' | 'silentAfterMs' | 'maxBypassMinutes'> & {
  action: WithDefaults<InterlockConfig['action'], 'feedbackMs' | 'restoreValue'>
}

/** A checked gateway config with every default applied and every profile loaded. */
export type ResolvedConfig = Omit<GatewayConfig, 'buses' | 'devices' | 'interlocks' | '$schema'> & {
  /** the file it was read from */
  file: string
  /** sha256 of the file text, reported in the agent's status */
  hash: string
  buses: ResolvedBus[]
  devices: ResolvedDevice[]
  interlocks: ResolvedInterlock[]
}

/** Defaults applied, profiles attached, file paths (buffer, credentials, CA) made relative to the config file rather than the working directory. */
export function resolveDefaults(config: GatewayConfig, profiles: readonly Profile[], source: { file: string; hash: string }): ResolvedConfig {
  const { $schema: _schema, gateway, buses, devices, interlocks, uplink, buffer, ...rest } = config
  const near = (path: string) => (isAbsolute(path) ? path : join(dirname(source.file), path))
  const resolvedBuses = buses.map(resolveBus)
  return {
    ...rest,
    ...source,
    gateway: { ...gateway, timezone: gateway.timezone ?? DEFAULTS.timezone },
    ...(uplink && {
      uplink: {
        ...uplink,
        ...(uplink.credentialsFile !== undefined && { credentialsFile: near(uplink.credentialsFile) }),
        ...(uplink.caFile !== undefined && { caFile: near(uplink.caFile) }),
      },
    }),
    ...(buffer && { buffer: { ...buffer, path: near(buffer.path) } }),
    buses: resolvedBuses,
    devices: devices.map((device, i) => ({
      ...device,
      pollMs: device.pollMs ?? DEFAULTS.pollMs,
      priority: device.priority ?? DEFAULTS.priority,
      calibrationDueSoonDays: device.calibrationDueSoonDays ?? DEFAULTS.calibrationDueSoonDays,
      loadedProfile: profiles[i]!,
    })),
    interlocks: (interlocks ?? []).map((interlock) => ({
      ...interlock,
      mode: interlock.mode ?? DEFAULTS.interlockMode,
      failSafe: interlock.failSafe ?? DEFAULTS.failSafe,
      restoreAfterMs: interlock.restoreAfterMs ?? DEFAULTS.restoreAfterMs,
      manualReset: interlock.manualReset ?? DEFAULTS.manualReset,
      silentAfterMs: interlock.silentAfterMs ?? defaultSilentAfterMs(interlock, devices, resolvedBuses),
      maxBypassMinutes: interlock.maxBypassMinutes ?? DEFAULTS.maxBypassMinutes,
      action: {
        ...interlock.action,
        feedbackMs: interlock.action.feedbackMs ?? DEFAULTS.feedbackMs,
        restoreValue: interlock.action.restoreValue ?? oppositeOf(interlock.action.value),
      },
    })),
  }
}

function resolveBus(bus: BusConfig): ResolvedBus {
  return bus.type === 'rtu'
    ? {
        ...bus,
        parity: bus.parity ?? DEFAULTS.parity,
        dataBits: bus.dataBits ?? DEFAULTS.dataBits,
        stopBits: bus.stopBits ?? DEFAULTS.stopBits,
        timeoutMs: bus.timeoutMs ?? DEFAULTS.rtuTimeoutMs,
        retries: bus.retries ?? DEFAULTS.retries,
        turnaroundMs: bus.turnaroundMs ?? DEFAULTS.turnaroundMs,
        armedShare: bus.armedShare ?? DEFAULTS.armedShare,
        armedPollMs: bus.armedPollMs ?? DEFAULTS.armedPollMs,
      }
    : {
        ...bus,
        port: bus.port ?? DEFAULTS.tcpPort,
        timeoutMs: bus.timeoutMs ?? DEFAULTS.tcpTimeoutMs,
        retries: bus.retries ?? DEFAULTS.retries,
        maxInFlight: bus.maxInFlight ?? DEFAULTS.maxInFlight,
        armedShare: bus.armedShare ?? DEFAULTS.armedShare,
        armedPollMs: bus.armedPollMs ?? DEFAULTS.armedPollMs,
      }
}

/** The default restore value: the opposite of a boolean (or of a coil's 0 / 1); check.ts requires one for a register. */
export function oppositeOf(value: number | boolean): number | boolean {
  return typeof value === 'boolean' ? !value : value === 0 ? 1 : 0
}

/** A source device is silent after `silentAfterPolls` poll periods plus every retried timeout: the slowest source counts. */
export function defaultSilentAfterMs(interlock: InterlockConfig, devices: readonly DeviceConfig[], buses: readonly ResolvedBus[]): number {
  const sources = new Set(interlock.when.map((c) => c.device))
  let longest = 0
  for (const device of devices) {
    if (!sources.has(device.id)) continue
    const bus = buses.find((b) => b.id === device.bus)
    const timeoutMs = bus?.timeoutMs ?? DEFAULTS.rtuTimeoutMs
    const retries = bus?.retries ?? DEFAULTS.retries
    longest = Math.max(longest, DEFAULTS.silentAfterPolls * (device.pollMs ?? DEFAULTS.pollMs) + (retries + 1) * timeoutMs)
  }
  return longest
}
