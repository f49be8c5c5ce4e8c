import { createHash } from 'node:crypto'
import { verifySignedRun, type Verdict } from '../../../protocols/commissioning/index.ts'
import { parseTopic, ReferenceConsumer, SequenceTracker, type AgentEvent, type ParsedTopic, type SeqRange } from '../../../protocols/mqtt/index.ts'
import { checkTelemetry, type KnownTelemetryMap } from '../telemetry/index.ts'
import { attributed, COMMAND_EVENT_WINDOW_MS } from './attribution.ts'
import { MAX_FUTURE_SKEW_MS, timeBounds, timeRejection, type TimeBounds, type TimeRejectReason } from './time-bounds.ts'
import type { IngestRejectReason, IngestSink, IngestStats, RunVerdicts } from './types.ts'

export interface Logger {
  info(object: object, message?: string): void
  warn(object: object, message?: string): void
  error(object: object, message?: string): void
}

export const silentLogger: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined }

export interface IngestOptions {
  store: IngestSink
  clock?: () => number
  /** a gateway silent this long is marked offline (default 3 status periods of 60 s + 30 s slack) */
  heartbeatTimeoutMs?: number
  /** how often raw samples past the retention are pruned (default hourly) */
  pruneEveryMs?: number
  logger?: Logger
  /** stores several messages in one transaction (handleAll); default: the store's group() */
  group?: <T>(work: () => T) => T
}

/** A message as taken from the broker. */
export interface IngestMessage {
  topic: string
  payload: Buffer
  retain?: boolean
}

export type IngestResult =
  /** refused: records whose time was out of the gateway's bounds (counted by reason), the rest stored */
  | { ok: true; kind: string; records: number; duplicates: number; refused?: number }
  | { ok: false; reason: IngestRejectReason; detail: string }

const DEFAULT_HEARTBEAT_TIMEOUT_MS = 3 * 60_000 + 30_000
/** writes of one message that fail before it goes to the quarantine */
const MAX_STORE_ATTEMPTS = 3

/** A tracker holding exactly these ranges (ascending, not adjacent, as a tracker keeps them). */
function trackerOf(gateway: string, ranges: readonly SeqRange[]): SequenceTracker {
  const tracker = new SequenceTracker()
  for (const range of ranges) {
    tracker.accept(gateway, range.first)
    const created = tracker.accepted(gateway).find((r) => r.first === range.first)
    if (created) created.last = range.last
  }
  return tracker
}

/** The records of one message refused for their time, by reason. */
class Refusals {
  readonly byReason = new Map<TimeRejectReason, number>()
  total = 0

  constructor(private readonly bounds: TimeBounds) {}

  /** Whether records at `ts` are taken; if not, `n` of them are counted. */
  admits(ts: number, n = 1): boolean {
    const reason = timeRejection(ts, this.bounds)
    if (reason === undefined) return true
    this.byReason.set(reason, (this.byReason.get(reason) ?? 0) + n)
    this.total += n
    return false
  }

  none(): boolean {
    return this.total === 0
  }
}

/**
 * The fleet side of protocol v1: each message validated as the protocol's ReferenceConsumer does,
 * checked against the registry (the gateway exists and belongs to the topic's site), and stored in
 * one transaction with the gateway's accepted sequence ranges, so each (gateway, seq) is stored once
 * even across restarts. Rejects are counted by reason and never stored. What a gateway says is checked,
 * not believed: a sample or event stamped before the gateway's enrolment or more than
 * MAX_FUTURE_SKEW_MS ahead of the server's clock is refused (counted by reason, the message's other
 * records stored), a user an event names is kept only when a command the server sent names it
 * (attribution.ts), and a signed commissioning run only when it verifies with the gateway's registered
 * key, gateway and site (refused ones are counted as `commissioning:<code>` and audited).
 */
export class Ingest {
  private readonly store: IngestSink
  private readonly clock: () => number
  private readonly logger: Logger
  private readonly trackers = new Map<string, SequenceTracker>()
  private readonly known: KnownTelemetryMap = new Map()
  /** topics parsed, by topic: a gateway publishes on the same few, message after message */
  private readonly topics = new Map<string, ParsedTopic>()
  private readonly heartbeatTimeoutMs: number
  private readonly pruneEveryMs: number
  private timers: NodeJS.Timeout[] = []
  private pruning = false
  /** failed writes by message (topic and payload hash) */
  private readonly failures = new Map<string, number>()
  private readonly group: <T>(work: () => T) => T

  constructor(options: IngestOptions) {
    this.store = options.store
    this.clock = options.clock ?? Date.now
    this.logger = options.logger ?? silentLogger
    this.heartbeatTimeoutMs = options.heartbeatTimeoutMs ?? DEFAULT_HEARTBEAT_TIMEOUT_MS
    this.pruneEveryMs = options.pruneEveryMs ?? 3_600_000
    this.group = options.group ?? ((work) => this.store.group(work))
  }

  /**
   * Several messages in one transaction (group commit), each all-or-nothing as with handle().
   * Returns per message whether it is done with — stored, or refused and counted — or not (its
   * write failed: it must not be acknowledged, so that the broker delivers it again).
   */
  handleAll(messages: readonly IngestMessage[]): boolean[] {
    const one = (m: IngestMessage): boolean => {
      try {
        this.handle(m.topic, m.payload, m.retain ?? false)
        return true
      } catch (error) {
        return this.failed(m, error)
      }
    }
    if (messages.length === 1) return messages.map(one)
    let done: boolean[] = []
    try {
      this.group(() => {
        done = messages.map(one)
      })
    } catch (error) {
      // the trackers may hold sequence numbers of messages that were not committed
      this.trackers.clear()
      this.logger.error({ err: error, messages: messages.length }, 'committing a group of messages failed: none acknowledged, the broker delivers them again')
      return messages.map(() => false)
    }
    return done
  }

  /**
   * A message whose write failed: delivered again by the broker, up to MAX_STORE_ATTEMPTS times;
   * then kept in the store's quarantine and counted, so that one message the store cannot take
   * does not hold up every message behind it on the connection. True when it is done with.
   */
  private failed(m: IngestMessage, error: unknown): boolean {
    const key = `${m.topic}\u0000${createHash('sha256').update(m.payload).digest('base64')}`
    const attempts = (this.failures.get(key) ?? 0) + 1
    const message = error instanceof Error ? error.message : String(error)
    if (attempts >= MAX_STORE_ATTEMPTS) {
      try {
        this.store.quarantine(m.topic, m.payload, message, attempts, this.clock())
        this.failures.delete(key)
        this.logger.error({ err: error, topic: m.topic, attempts }, 'a message could not be stored: kept in the quarantine (ingest_quarantine) and acknowledged')
        return true
      } catch (quarantineError) {
        this.logger.error({ err: quarantineError, topic: m.topic }, 'keeping a message in the quarantine failed too')
      }
    }
    if (this.failures.size >= 10_000) this.failures.clear()
    this.failures.set(key, attempts)
    this.logger.error({ err: error, topic: m.topic, attempts }, 'storing a message failed: not acknowledged, the broker delivers it again')
    return false
  }

  /** Heartbeat checks and retention pruning on timers. */
  start(): void {
    if (this.timers.length > 0) return
    const heartbeat = setInterval(() => this.checkHeartbeats(), Math.max(50, Math.floor(this.heartbeatTimeoutMs / 4)))
    const prune = setInterval(() => this.pruneInBatches(), this.pruneEveryMs)
    this.timers = [heartbeat, prune]
    for (const timer of this.timers) timer.unref()
  }

  stop(): void {
    for (const timer of this.timers) clearInterval(timer)
    this.timers = []
  }

  stats(): IngestStats {
    return this.store.ingestStats()
  }

  /** Marks gateways silent for longer than the heartbeat timeout offline; returns their ids. */
  checkHeartbeats(now = this.clock()): string[] {
    const silent = this.store.markSilentGatewaysOffline(now - this.heartbeatTimeoutMs)
    if (silent.length > 0) this.logger.warn({ gateways: silent }, 'gateways silent past the heartbeat timeout: offline')
    return silent
  }

  /** Raw samples, then 1-minute roll-ups, past their retention: in batches, one per turn of the event loop. */
  private pruneInBatches(): void {
    if (this.pruning) return
    this.pruning = true
    const stages = [
      { what: 'raw samples', prune: (now: number) => this.store.pruneSamples(now) },
      { what: '1-minute roll-ups', prune: (now: number) => this.store.pruneMinuteRollups(now) },
    ]
    let stage = 0
    let deleted = 0
    const step = () => {
      const { what, prune } = stages[stage]!
      try {
        const batch = prune(this.clock())
        deleted += batch.deleted
        if (!batch.done) {
          setImmediate(step)
          return
        }
        if (deleted > 0) this.logger.info({ deleted }, `${what} past the retention deleted`)
      } catch (error) {
        this.logger.error({ err: error }, `pruning ${what} failed`)
      }
      deleted = 0
      if (++stage < stages.length) {
        setImmediate(step)
        return
      }
      this.pruning = false
    }
    step()
  }

  private tracker(gateway: string): SequenceTracker {
    let tracker = this.trackers.get(gateway)
    if (!tracker) {
      tracker = trackerOf(gateway, this.store.seqRanges(gateway))
      this.trackers.set(gateway, tracker)
    }
    return tracker
  }

  handle(topic: string, payload: Buffer, retained = false): IngestResult {
    let parsed = this.topics.get(topic)
    if (parsed === undefined) {
      parsed = parseTopic(topic)
      if (this.topics.size >= 10_000) this.topics.clear()
      if (parsed) this.topics.set(topic, parsed)
    }
    if (parsed?.kind === 'telemetry') return this.telemetry(parsed.site, parsed.gateway, payload)
    // a fresh reference consumer: its validation and in-batch de-duplication, none of its memory
    const checked = new ReferenceConsumer().consume(topic, payload)
    if (!checked.ok) return this.reject(checked.reason, checked.detail)
    const { accepted } = checked
    const site = this.store.gatewaySite(accepted.gateway)
    if (site !== accepted.site) {
      return this.reject('unknown-gateway', site === undefined ? `gateway ${accepted.gateway} is not registered` : `gateway ${accepted.gateway} belongs to site ${site}, not ${accepted.site}`)
    }
    const { gateway } = accepted
    const now = this.clock()
    switch (accepted.kind) {
      case 'telemetry':
      case 'events': {
        const records = accepted.kind === 'telemetry' ? accepted.samples : accepted.events
        const refusals = new Refusals(timeBounds(now, this.store.gatewayEnrolledAt(gateway)))
        const timely = records.filter((r) => refusals.admits(r.ts)) as typeof records
        if (timely.length === 0) return this.refuseAll(refusals)
        const tracker = this.tracker(gateway)
        const before = tracker.accepted(gateway).map((r) => ({ ...r }))
        const fresh = timely.filter((r) => tracker.accept(gateway, r.seq)) as typeof records
        const duplicates = accepted.duplicates + timely.length - fresh.length
        try {
          // no sample dropped: the store may keep the payload as received
          if (accepted.kind === 'telemetry') {
            this.store.storeTelemetry({ gatewayId: gateway, samples: fresh as typeof accepted.samples, ranges: tracker.accepted(gateway), duplicates, now, ...(duplicates === 0 && refusals.none() && { payload }) })
          }
          else {
            const events = this.attributed(gateway, fresh as typeof accepted.events)
            this.store.storeEvents(gateway, site, events, tracker.accepted(gateway), duplicates, now, this.verifiedRuns(gateway, site, events))
          }
        } catch (error) {
          this.trackers.set(gateway, trackerOf(gateway, before))
          throw error
        }
        this.countRefusals(refusals)
        return { ok: true, kind: accepted.kind, records: fresh.length, duplicates, ...(!refusals.none() && { refused: refusals.total }) }
      }
      case 'status':
        this.store.storeStatus(gateway, accepted.status, retained, now)
        return { ok: true, kind: 'status', records: 0, duplicates: 0 }
      case 'inventory':
        this.store.storeInventory(gateway, site, accepted.inventory, now)
        return { ok: true, kind: 'inventory', records: 0, duplicates: 0 }
      case 'cmd-result': {
        const { id, ok, message, ts } = accepted.result
        this.store.storeCommandResult(gateway, id, { ok, ...(message !== undefined && { message }), at: ts }, now)
        return { ok: true, kind: 'cmd-result', records: 0, duplicates: 0 }
      }
    }
  }

  /**
   * Telemetry without one object per sample: checked as ReferenceConsumer checks it, de-duplicated
   * against the gateway's accepted ranges (which covers a seq repeated within the batch), and handed
   * to the store packed.
   */
  private telemetry(topicSite: string, gateway: string, payload: Buffer): IngestResult {
    const checked = checkTelemetry(gateway, payload, this.known)
    if (!checked.ok) return this.reject(checked.reason, checked.detail)
    const site = this.store.gatewaySite(gateway)
    if (site !== topicSite) {
      return this.reject('unknown-gateway', site === undefined ? `gateway ${gateway} is not registered` : `gateway ${gateway} belongs to site ${site}, not ${topicSite}`)
    }
    const tracker = this.tracker(gateway)
    const before = tracker.accepted(gateway).map((r) => ({ ...r }))
    const now = this.clock()
    const refusals = new Refusals(timeBounds(now, this.store.gatewayEnrolledAt(gateway)))
    const keep = new Uint8Array(checked.samples)
    let count = 0
    let k = 0
    for (const group of checked.batch.g) {
      const n = group.values.length
      // a refused time: its samples are neither stored nor taken as received (their numbers stay a gap)
      if (!refusals.admits(group.ts, n)) {
        k += n
        continue
      }
      // the steady stream: a group of numbers none of which was seen before, taken at once
      if (tracker.acceptRun(gateway, group.seq0, n)) {
        keep.fill(1, k, k + n)
        count += n
        k += n
        continue
      }
      for (let i = 0; i < n; i++, k++) {
        if (tracker.accept(gateway, group.seq0 + i)) {
          keep[k] = 1
          count++
        }
      }
    }
    if (refusals.total === checked.samples) return this.refuseAll(refusals)
    const duplicates = checked.samples - refusals.total - count
    try {
      // no sample dropped: the store may keep the payload as received
      const samples = { batch: checked.batch, keep, count, ...(checked.head && { head: checked.head }) }
      this.store.storeTelemetry({ gatewayId: gateway, samples, ranges: tracker.accepted(gateway), duplicates, now, ...(duplicates === 0 && refusals.none() && { payload }) })
    } catch (error) {
      this.trackers.set(gateway, trackerOf(gateway, before))
      throw error
    }
    this.countRefusals(refusals)
    return { ok: true, kind: 'telemetry', records: count, duplicates, ...(!refusals.none() && { refused: refusals.total }) }
  }

  /** The events with each `by` checked against the commands the server sent the gateway (attribution.ts). */
  private attributed(gateway: string, events: readonly AgentEvent[]): AgentEvent[] {
    return events.map((event) => {
      if (!('by' in event) || event.by === undefined) return event
      return attributed(gateway, event, this.store.sentCommands(gateway, event.by, event.ts - COMMAND_EVENT_WINDOW_MS, event.ts + MAX_FUTURE_SKEW_MS))
    })
  }

  /**
   * Each signed commissioning run of `events` verified against the key registered for the gateway, the
   * gateway and its registered site (never what the run claims); the store keeps or refuses it by this.
   */
  private verifiedRuns(gateway: string, site: string, events: readonly AgentEvent[]): RunVerdicts | undefined {
    let verdicts: Map<number, Verdict> | undefined
    for (const event of events) {
      if (event.type !== 'commissioning') continue
      const verdict = verifySignedRun(event.signed, { publicKey: this.store.gatewaySigningKey(gateway), site, gateway })
      if (!verdict.ok) this.logger.warn({ gateway, site, seq: event.seq, code: verdict.code, reason: verdict.reason }, 'commissioning run refused')
      ;(verdicts ??= new Map()).set(event.seq, verdict)
    }
    return verdicts
  }

  /** A message whose every record's time was refused: counted by reason, nothing stored. */
  private refuseAll(refusals: Refusals): IngestResult {
    this.countRefusals(refusals)
    const [reason, n] = [...refusals.byReason][0]!
    this.logger.warn({ reason, records: refusals.total }, 'message refused: every record\'s time is out of the gateway\'s bounds')
    return { ok: false, reason, detail: `${n} record(s) ${reason === 'ts-future' ? `more than ${MAX_FUTURE_SKEW_MS / 60_000} minutes ahead of the server's clock` : 'older than the gateway\'s enrolment'}` }
  }

  private countRefusals(refusals: Refusals): void {
    for (const [reason, n] of refusals.byReason) this.store.countReject(reason, n)
  }

  private reject(reason: IngestRejectReason, detail: string): IngestResult {
    this.store.countReject(reason)
    this.logger.warn({ reason, detail }, 'message rejected')
    return { ok: false, reason, detail }
  }
}
