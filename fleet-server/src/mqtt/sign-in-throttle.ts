/**
 * Failed sign-ins slow down, then lock, per user and per address: the first `freeFailures` cost
 * nothing; after them each attempt must wait a delay that doubles with every further failure;
 * from `lockAfterFailures` on, the key is locked for `lockMs` after its last failure. Attempts still
 * being checked count as failures for admission, so a burst in parallel cannot outrun the count.
 * Pure: the caller passes the time. Used by the HTTP login and the MQTT broker, each its own instance.
 */
export interface ThrottlePolicy {
  freeFailures: number
  firstDelayMs: number
  lockAfterFailures: number
  lockMs: number
  /** failures are forgotten this long after the last one */
  forgetAfterMs: number
}

export interface SignInPolicy {
  perUser: ThrottlePolicy
  perAddress: ThrottlePolicy
}

export type Admission =
  | { allowed: true; /** say how the attempt ended, exactly once */ end(succeeded: boolean, now: number): void }
  | { allowed: false; retryAfterMs: number }

interface KeyState {
  failures: number
  lastFailureAt: number
  inFlight: number
}

/** Beyond this many remembered keys the oldest are forgotten, so unknown user names cannot grow memory without end. */
const MAX_KEYS = 50_000

class KeyThrottle {
  private readonly keys = new Map<string, KeyState>()

  constructor(private readonly policy: ThrottlePolicy) {}

  /** 0 when an attempt for `key` may start now, else how long to wait. */
  waitMs(key: string, now: number): number {
    const state = this.current(key, now)
    if (!state) return 0
    const { failures, lastFailureAt, inFlight } = state
    const { freeFailures, firstDelayMs, lockAfterFailures, lockMs } = this.policy
    if (failures + inFlight < freeFailures) return 0
    if (failures < freeFailures) return firstDelayMs // the free attempts are all being checked now
    const delayMs = failures >= lockAfterFailures ? lockMs : Math.min(lockMs, firstDelayMs * 2 ** (failures - freeFailures))
    const waitMs = lastFailureAt + delayMs - now
    if (waitMs > 0) return waitMs
    return inFlight > 0 ? firstDelayMs : 0
  }

  start(key: string, now: number): void {
    const state = this.current(key, now) ?? { failures: 0, lastFailureAt: now, inFlight: 0 }
    state.inFlight++
    this.keys.delete(key)
    this.keys.set(key, state)
    if (this.keys.size > MAX_KEYS) this.keys.delete(this.keys.keys().next().value!)
  }

  end(key: string, failed: boolean, forget: boolean, now: number): void {
    const state = this.keys.get(key)
    if (!state) return
    state.inFlight = Math.max(0, state.inFlight - 1)
    if (failed) {
      state.failures++
      state.lastFailureAt = now
    } else if (forget) state.failures = 0
    if (state.failures === 0 && state.inFlight === 0) this.keys.delete(key)
  }

  private current(key: string, now: number): KeyState | undefined {
    const state = this.keys.get(key)
    if (state && state.inFlight === 0 && now - state.lastFailureAt >= this.policy.forgetAfterMs) {
      this.keys.delete(key)
      return undefined
    }
    return state
  }
}

export class SignInThrottle {
  private readonly users: KeyThrottle
  private readonly addresses: KeyThrottle

  constructor(policy: SignInPolicy) {
    this.users = new KeyThrottle(policy.perUser)
    this.addresses = new KeyThrottle(policy.perAddress)
  }

  /**
   * May `user` from `address` try a password now? When allowed, the attempt counts until `end`.
   * A success forgets the user's failures, not the address's: one valid account does not reset the
   * count of an address guessing the passwords of others.
   */
  begin(user: string, address: string, now: number): Admission {
    const retryAfterMs = Math.max(this.users.waitMs(user, now), this.addresses.waitMs(address, now))
    if (retryAfterMs > 0) return { allowed: false, retryAfterMs }
    this.users.start(user, now)
    this.addresses.start(address, now)
    let ended = false
    return {
      allowed: true,
      end: (succeeded, at) => {
        if (ended) return
        ended = true
        this.users.end(user, !succeeded, true, at)
        this.addresses.end(address, !succeeded, false, at)
      },
    }
  }
}
