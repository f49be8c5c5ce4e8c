/**
 * Device health as a pure state machine: what one poll's outcome does to a device's state,
 * and when a device that stopped answering is next probed (quarantine with back-off).
 */
export type DeviceState = 'unknown' | 'online' | 'offline' | 'fault'

/** ok: every block answered; fault: answered but reports a fault; no-answer: timeouts / line down. */
export type PollOutcome = 'ok' | 'fault' | 'no-answer'

export interface HealthOptions {
  /** consecutive unanswered polls before the device is offline and quarantined */
  offlineAfter: number
  firstBackoffMs: number
  maxBackoffMs: number
}

export const DEFAULT_HEALTH: HealthOptions = { offlineAfter: 2, firstBackoffMs: 2_000, maxBackoffMs: 60_000 }

export interface Health {
  state: DeviceState
  failures: number
  backoffMs: number
  /** while set and in the future, the device is only probed, not polled */
  quarantinedUntil: number | undefined
  reason: string | undefined
}

export const INITIAL_HEALTH: Health = { state: 'unknown', failures: 0, backoffMs: 0, quarantinedUntil: undefined, reason: undefined }

export interface HealthChange {
  from: DeviceState
  to: DeviceState
  reason: string | undefined
}

/** ±20 % so quarantined devices on many gateways do not probe in lock-step. */
function jittered(ms: number, random: () => number): number {
  return Math.round(ms * (0.8 + 0.4 * random()))
}

export function nextHealth(
  health: Health,
  outcome: PollOutcome,
  now: number,
  reason: string | undefined,
  options: HealthOptions = DEFAULT_HEALTH,
  random: () => number = Math.random,
): { health: Health; change?: HealthChange } {
  let next: Health
  if (outcome === 'no-answer') {
    const failures = health.failures + 1
    const offline = failures >= options.offlineAfter
    const backoffMs = offline ? Math.min(options.maxBackoffMs, health.backoffMs === 0 ? options.firstBackoffMs : health.backoffMs * 2) : 0
    next = {
      state: offline ? 'offline' : health.state,
      failures,
      backoffMs,
      quarantinedUntil: offline ? now + jittered(backoffMs, random) : undefined,
      reason,
    }
  } else {
    next = { state: outcome === 'ok' ? 'online' : 'fault', failures: 0, backoffMs: 0, quarantinedUntil: undefined, reason: outcome === 'ok' ? undefined : reason }
  }
  const change = next.state !== health.state ? { from: health.state, to: next.state, reason: next.reason } : undefined
  return change ? { health: next, change } : { health: next }
}

/** True while the device should only be probed. */
export const isQuarantined = (health: Health, now: number): boolean =>
  health.quarantinedUntil !== undefined && now < health.quarantinedUntil

/**
 * The comm-fail reason of a device that has not answered once since start. On a real line that is most
 * often a wrong unit id, or a device still at other serial settings than the bus (a silent mismatch):
 * `framing` names both when they differ.
 */
export function neverAnsweredReason(unit: number, cause: string, framing?: { bus: string; busFraming: string; factory: string }): string {
  const settings = framing ? ` (bus ${framing.bus} is ${framing.busFraming}; the profile's factory setting is ${framing.factory})` : ''
  return `no answer from unit ${unit} since start: check the unit id and the line settings${settings}; last error: ${cause}`
}
