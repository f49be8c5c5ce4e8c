import { MAX_BATCH_SAMPLES } from '../../../protocols/mqtt/index.ts'
import type { Outbox } from '../outbox/index.ts'
import type { Credentials } from './credentials.ts'
import type { StatusFields } from './payloads.ts'

type LogFn = (objOrMessage: unknown, message?: string) => void
/** What the uplink needs of a logger (pino's fits). */
export interface UplinkLogger {
  debug: LogFn
  info: LogFn
  warn: LogFn
  error: LogFn
}

/** What the uplink needs of the outbox (an in-memory fake fits too). */
export type UplinkOutbox = Pick<Outbox, 'nextTelemetryBatch' | 'nextEvents' | 'queueAcknowledgement' | 'acknowledgeEvents' | 'releaseHandedOut'>

export interface UplinkOptions {
  /** mqtt://host:port or mqtts://host:port */
  url: string
  site: string
  gateway: string
  outbox: UplinkOutbox
  credentials?: Credentials
  /** CA certificate(s) (PEM) for mqtts:// */
  ca?: Buffer
  /** publishes awaiting PUBACK at most (also capped by the broker's receive maximum) */
  windowMessages?: number
  /** samples per telemetry message at most (a backlog drains in messages of this size) */
  batchSamples?: number
  /**
   * live telemetry waits up to this long (from its oldest sample) to fill a message before it is
   * published, so the channel dictionary is shared by many samples; events never wait
   */
  batchMs?: number
  /** events per events message at most */
  batchEvents?: number
  /** the fields of the retained online status, read at each status publish */
  status: () => StatusFields
  logger: UplinkLogger
  /** wall clock for payload times (epoch ms) */
  clock?: () => number
  /** for the back-off jitter */
  random?: () => number
  clientId?: string
  statusIntervalMs?: number
  reconnectMinMs?: number
  reconnectMaxMs?: number
  connectTimeoutMs?: number
  keepaliveS?: number
  /** look for newly committed records this often even without notify() */
  idlePollMs?: number
}

export const UPLINK_DEFAULTS = {
  windowMessages: 16, batchSamples: 5000, batchMs: 2000, batchEvents: 100, statusIntervalMs: 30_000,
  reconnectMinMs: 1000, reconnectMaxMs: 30_000, connectTimeoutMs: 10_000, keepaliveS: 30, idlePollMs: 100,
} as const

export interface UplinkStats {
  connected: boolean
  /** messages handed to the broker (every kind) */
  published: number
  /** outbox records deleted after their PUBACK */
  acknowledged: number
  acknowledgedSamples: number
  acknowledgedEvents: number
  inFlight: number
  connects: number
  failedAttempts: number
  lastError: string | undefined
}

/** The options with every default applied and every limit enforced: what the uplink runs with. */
export type UplinkSettings = Required<Omit<UplinkOptions, 'credentials' | 'ca' | 'clientId'>> & Pick<UplinkOptions, 'credentials' | 'ca'>

export function uplinkSettings(options: UplinkOptions): UplinkSettings {
  const settings = { ...UPLINK_DEFAULTS, clock: Date.now, random: Math.random, ...withoutUndefined(options) } as UplinkSettings
  settings.batchSamples = clamp(settings.batchSamples, 1, MAX_BATCH_SAMPLES)
  settings.batchEvents = clamp(settings.batchEvents, 1, 1000)
  settings.batchMs = Math.max(0, settings.batchMs)
  settings.windowMessages = Math.max(1, Math.floor(settings.windowMessages))
  return settings
}

const clamp = (value: number, min: number, max: number): number => Math.min(max, Math.max(min, Math.floor(value)))

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T
}
