import { ReasonCodes } from 'mqtt'

/** Jittered exponential back-off: minMs doubling per failed attempt up to maxMs, ±jitter (0.2 = ±20 %). */
export function backoffDelayMs(attempt: number, options: { minMs: number; maxMs: number; jitter?: number }, random: () => number): number {
  const base = Math.min(options.maxMs, options.minMs * 2 ** Math.min(attempt, 30))
  const jitter = options.jitter ?? 0.2
  return Math.round(base * (1 - jitter + 2 * jitter * random()))
}

const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EPIPE', 'ECONNABORTED'])

/**
 * One line saying why a connection attempt (or connection) failed, by class, for the operator:
 * `connection refused: bad user name or password (reason 134)`,
 * `broker unreachable: ECONNREFUSED 127.0.0.1:1883`, `TLS failure: …`, `no CONNACK within …`.
 * Never contains credentials (mqtt.js errors do not carry them).
 */
export function describeConnectionFailure(error: unknown, target: { host: string; port: number }, connectTimeoutMs: number): string {
  const err = error as Partial<NodeJS.ErrnoException> & { code?: string | number; address?: string; port?: number }
  const code = err?.code
  if (typeof code === 'number') {
    // mosquitto answers a wrong password with 135, not 134
    if (code === 134 || code === 4) return `connection refused: bad user name or password (reason ${code})`
    if (code === 135 || code === 5) return `connection refused: bad user name or password, or not authorized (reason ${code})`
    return describeReasonCode('connection refused', code)
  }
  const message = typeof err?.message === 'string' ? err.message : String(error)
  if (typeof code === 'string' && SOCKET_CODES.has(code)) {
    const where = err.address !== undefined ? `${err.address}:${err.port ?? target.port}` : `${target.host}:${target.port}`
    return `broker unreachable: ${code} ${where}`
  }
  if (typeof code === 'string' && (/CERT|TLS|SSL|SELF_SIGNED|UNABLE_TO|HOSTNAME|ALTNAME/u.test(code))) {
    return `TLS failure with ${target.host}:${target.port}: ${code}: ${message}`
  }
  if (message === 'connack timeout') return `broker ${target.host}:${target.port} did not answer CONNECT within ${connectTimeoutMs} ms`
  return `connection failed: ${typeof code === 'string' ? `${code} ` : ''}${message}`
}

/** `prefix: bad user name or password (reason 134)` from an MQTT v5 reason code. */
export function describeReasonCode(prefix: string, code: number): string {
  const text = (ReasonCodes as Record<number, string | undefined>)[code]
  return `${prefix}: ${text ? text.toLowerCase() : 'unknown reason'} (reason ${code})`
}

type LogFn = (objOrMessage: unknown, message?: string) => void

/**
 * The operator's view of connection trouble: one warn line per failure class (again after
 * reminderMs while it lasts), debug for repeats; the reconnect after a new failure at info.
 */
export class FailureLog {
  private current: { text: string; warnedAt: number; repeats: number; reconnectLogged: boolean } | undefined

  constructor(private readonly logger: { debug: LogFn; info: LogFn; warn: LogFn }, private readonly clock: () => number, private readonly reminderMs = 300_000) {}

  failed(text: string, delayMs: number, fields: object): void {
    const now = this.clock()
    const line = `uplink: ${text}; retrying in ${(delayMs / 1000).toFixed(1)} s`
    const current = this.current
    if (current?.text === text && now - current.warnedAt < this.reminderMs) {
      current.repeats++
      this.logger.debug({ ...fields, retryInMs: delayMs }, line)
      return
    }
    const repeats = current?.text === text ? current.repeats + 1 : 0
    this.logger.warn({ ...fields, retryInMs: delayMs, ...(repeats > 0 && { repeats }) }, line)
    this.current = { text, warnedAt: now, repeats, reconnectLogged: repeats > 0 }
  }

  connected(url: string, fields: object): void {
    const current = this.current
    const after = current ? ` after ${current.repeats + 1} failed attempt(s) (${current.text})` : ''
    // a connection that keeps failing the same way is reported once at info, then at debug
    this.logger[current?.reconnectLogged ? 'debug' : 'info'](fields, `uplink connected to ${url}${after}`)
    if (current) current.reconnectLogged = true
  }

  /** The trouble is over (a stable connection, or a fresh start). */
  reset(): void {
    this.current = undefined
  }
}
