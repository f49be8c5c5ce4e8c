import { connect, type IClientOptions, type IConnackPacket, type IPublishPacket, type MqttClient } from 'mqtt'
import type { Socket } from 'node:net'
import { performance } from 'node:perf_hooks'
import {
  brokerAddress, MAX_BATCH_SAMPLES, MAX_PAYLOAD_BYTES, topicOf, topicRoot,
  type Inventory, type InventoryDevice, type Status, type TopicKind,
} from '../../../protocols/mqtt/index.ts'
import { CommandDispatcher, type CommandHandler } from './commands.ts'
import { backoffDelayMs, describeFailure, describeReasonCode, FailureLog } from './failures.ts'
import { UPLINK_DEFAULTS, type UplinkOptions, type UplinkStats } from './options.ts'
import { checkInventory, statusPayload, type StatusFields } from './payloads.ts'

/** Publishes kept free under the broker's receive maximum for status, inventory and cmd-result. */
const RESERVED_IN_FLIGHT = 3
/** A drain slice keeps the event loop at most this long before letting polling run. */
const PUMP_SLICE_MS = 8
/** A connection that lasted this long resets the back-off. */
const STABLE_MS = 10_000
/** Room in a PUBLISH packet for the topic and properties. */
const PACKET_OVERHEAD = 512

/** One network connection: its client, and an epoch so late callbacks of an earlier one are ignored. */
interface Connection {
  client: MqttClient
  epoch: number
  connectedAt: number | undefined
  failure: string | undefined
}

/**
 * The MQTT uplink (protocol v1): drains the outbox to the broker, events ahead of telemetry,
 * oldest first, a bounded window of QoS 1 publishes in flight; a record is deleted from the
 * outbox only in the callback of its PUBACK. Reconnects itself with jittered exponential back-off;
 * on every new connection it re-reads from the oldest unacknowledged record (duplicates are
 * removed by the consumer's (gateway, seq) check). Retained status with an offline last will.
 * Telemetry leaves as the outbox's rows merged into batches of up to batchSamples (one dictionary a
 * message); live telemetry waits up to batchMs to fill one, events never wait.
 */
export class Uplink {
  private readonly o: Required<Omit<UplinkOptions, 'credentials' | 'ca' | 'clientId'>> & Pick<UplinkOptions, 'credentials' | 'ca'>
  private readonly clientId: string
  private readonly topics: Record<TopicKind, string>
  private readonly target: { host: string; port: number }
  private readonly commands: CommandDispatcher
  private conn: Connection | undefined
  private epoch = 0
  private running = false
  private connected = false
  private window: number
  private maxPayloadBytes = MAX_PAYLOAD_BYTES
  private inFlight = 0
  /** highest sequence number handed to a publish on this connection, per stream */
  private sampleCursor = 0
  private eventCursor = 0
  /** when the uplink first held back the current partial telemetry message */
  private holdSince: number | undefined
  /** the first row of the telemetry published on this connection */
  private connectionFirstSeq: number | undefined
  private attempt = 0
  /** MQTT 5 first; a broker that only speaks 3.1.1 (aedes, older field brokers) refuses it and gets 3.1.1 from then on */
  private protocolVersion: 4 | 5 = 5
  private protocolFallback = false
  private readonly failures: FailureLog
  private inventory: Inventory | undefined
  private pumpScheduled: NodeJS.Immediate | undefined
  private reconnectTimer: NodeJS.Timeout | undefined
  private statusTimer: NodeJS.Timeout | undefined
  private idleTimer: NodeJS.Timeout | undefined
  private readonly counters = { published: 0, acknowledgedSamples: 0, acknowledgedEvents: 0, connects: 0, failedAttempts: 0 }
  private lastError: string | undefined
  private outboxError: string | undefined

  constructor(options: UplinkOptions) {
    this.o = {
      ...UPLINK_DEFAULTS, clock: Date.now, random: Math.random, ...withoutUndefined(options),
    } as Uplink['o']
    this.o.batchSamples = clamp(this.o.batchSamples, 1, MAX_BATCH_SAMPLES)
    this.o.batchEvents = clamp(this.o.batchEvents, 1, 1000)
    this.o.batchMs = Math.max(0, this.o.batchMs)
    this.o.windowMessages = Math.max(1, Math.floor(this.o.windowMessages))
    this.window = this.o.windowMessages
    const { host, port } = brokerAddress(options.url)
    this.target = { host, port }
    this.clientId = options.clientId ?? `edge-${options.site}-${options.gateway}`
    topicRoot(options.site, options.gateway) // validates both ids
    this.topics = {
      telemetry: topicOf(options.site, options.gateway, 'telemetry'),
      events: topicOf(options.site, options.gateway, 'events'),
      status: topicOf(options.site, options.gateway, 'status'),
      inventory: topicOf(options.site, options.gateway, 'inventory'),
      'cmd-result': topicOf(options.site, options.gateway, 'cmd-result'),
    }
    this.failures = new FailureLog(this.o.logger, this.o.clock)
    this.commands = new CommandDispatcher({
      gateway: options.gateway, clock: this.o.clock, logger: this.o.logger,
      reply: (result) => this.publishSmall('cmd-result', result, false),
    })
  }

  /** Connect in the background; never throws for a broker problem (they are logged and retried). */
  start(): void {
    if (this.running) return
    this.running = true
    this.attempt = 0
    this.failures.reset()
    this.connect()
  }

  /** New records were committed to the outbox: drain them now rather than at the next idle poll. */
  notify(): void {
    this.schedulePump()
  }

  /** Handle `cmd/{name}` commands; each gets a `cmd-result`. */
  onCommand(handler: CommandHandler): void {
    this.commands.handler = handler
  }

  /** Publish the retained inventory now if connected, and again on every new connection. Throws if it breaks the schema. */
  publishInventory(inventory: { devices: InventoryDevice[]; ts?: number }): void {
    const payload: Inventory = { v: 1, gw: this.o.gateway, ts: inventory.ts ?? this.o.clock(), devices: inventory.devices }
    checkInventory(payload)
    this.inventory = payload
    if (this.connected) this.publishSmall('inventory', payload, true)
  }

  get stats(): UplinkStats {
    const { published, acknowledgedSamples, acknowledgedEvents, connects, failedAttempts } = this.counters
    return {
      connected: this.connected, published, acknowledged: acknowledgedSamples + acknowledgedEvents, acknowledgedSamples, acknowledgedEvents,
      inFlight: this.inFlight, connects, failedAttempts, lastError: this.lastError,
    }
  }

  /** Publish the retained offline status (waiting up to timeoutMs for its PUBACK) and disconnect cleanly. */
  async stop(timeoutMs = 3000): Promise<void> {
    if (!this.running) return
    this.running = false
    clearTimeout(this.reconnectTimer)
    this.stopConnectionTimers()
    const conn = this.conn
    this.conn = undefined
    if (!conn) return
    if (!this.connected) {
      this.forget()
      conn.client.end(true)
      return
    }
    // PUBACKs come in order: once the offline status is acknowledged, so is everything before it
    await withTimeout(new Promise<void>((resolve) => {
      conn.client.publish(this.topics.status, JSON.stringify(statusPayload(this.o.gateway, 'offline', this.o.clock())), { qos: 1, retain: true }, () => resolve())
    }), timeoutMs)
    this.forget()
    await withTimeout(new Promise<void>((resolve) => conn.client.end(false, {}, () => resolve())), timeoutMs)
    if (!conn.client.disconnected) conn.client.end(true)
  }

  /** Destroy the socket without DISCONNECT, as a network failure would (tests, diagnostics); the broker sends the last will. */
  breakConnection(): void {
    this.conn?.client.stream?.destroy()
  }

  private connect(): void {
    const epoch = ++this.epoch
    const will = statusPayload(this.o.gateway, 'offline', this.o.clock())
    const options: IClientOptions = {
      protocolVersion: this.protocolVersion, clean: true, clientId: this.clientId, reconnectPeriod: 0, queueQoSZero: false, resubscribe: false,
      connectTimeout: this.o.connectTimeoutMs, keepalive: this.o.keepaliveS,
      will: { topic: this.topics.status, payload: Buffer.from(JSON.stringify(will)), qos: 1, retain: true },
      ...(this.o.credentials && { username: this.o.credentials.username, password: this.o.credentials.password }),
      ...(this.o.ca && { ca: this.o.ca }),
    }
    const client = connect({ ...brokerAddress(this.o.url), ...options })
    const conn: Connection = { client, epoch, connectedAt: undefined, failure: undefined }
    this.conn = conn
    client.on('connect', (connack) => {
      if (epoch === this.epoch) this.onConnected(conn, connack)
    })
    client.on('error', (error) => {
      const code = (error as { code?: unknown }).code
      // CONNACK 1 (3.1.1) or 0x84 (5): unacceptable / unsupported protocol version
      if (this.protocolVersion === 5 && conn.connectedAt === undefined && (code === 1 || code === 0x84)) {
        this.protocolVersion = 4
        this.protocolFallback = true
      }
      conn.failure ??= describeFailure(error, this.target, this.o.connectTimeoutMs)
    })
    client.on('disconnect', (packet) => {
      conn.failure ??= describeReasonCode('disconnected by the broker', packet.reasonCode ?? 0)
    })
    client.on('message', (topic, payload, packet: IPublishPacket) => {
      if (epoch === this.epoch) this.commands.dispatch(topic, payload, packet.retain)
    })
    client.on('close', () => {
      if (epoch === this.epoch) this.onClosed(conn)
    })
  }

  private onConnected(conn: Connection, connack: IConnackPacket): void {
    const { client } = conn
    ;(client.stream as Partial<Socket>).setNoDelay?.(true)
    conn.connectedAt = this.o.clock()
    this.connected = true
    this.counters.connects++
    const receiveMaximum = connack.properties?.receiveMaximum
    this.window = receiveMaximum ? Math.max(1, Math.min(this.o.windowMessages, receiveMaximum - RESERVED_IN_FLIGHT)) : this.o.windowMessages
    const maxPacket = connack.properties?.maximumPacketSize
    this.maxPayloadBytes = maxPacket ? Math.min(MAX_PAYLOAD_BYTES, maxPacket - PACKET_OVERHEAD) : MAX_PAYLOAD_BYTES
    this.inFlight = 0
    this.sampleCursor = 0
    this.eventCursor = 0
    this.connectionFirstSeq = undefined
    this.failures.connected(this.o.url, { url: this.o.url, clientId: this.clientId })
    client.subscribe(`${topicRoot(this.o.site, this.o.gateway)}cmd/+`, { qos: 1 }, (error) => {
      if (error && conn.epoch === this.epoch) this.o.logger.warn({ err: error.message }, `uplink: cannot subscribe to commands: ${error.message}`)
    })
    this.publishStatus()
    if (this.inventory) this.publishSmall('inventory', this.inventory, true)
    this.statusTimer = setInterval(() => this.publishStatus(), this.o.statusIntervalMs)
    this.idleTimer = setInterval(() => this.schedulePump(), this.o.idlePollMs)
    this.schedulePump()
  }

  private onClosed(conn: Connection): void {
    const wasConnected = conn.connectedAt !== undefined
    this.forget()
    conn.client.end(true) // errors out mqtt.js's pending callbacks; the epoch makes us ignore them
    if (!this.running) return
    if (this.protocolFallback) {
      this.protocolFallback = false
      this.o.logger.warn({ url: this.o.url }, 'uplink: the broker does not speak MQTT 5; using MQTT 3.1.1')
      this.reconnectTimer = setTimeout(() => {
        this.reconnectTimer = undefined
        if (this.running) this.connect()
      }, 0)
      return
    }
    const now = this.o.clock()
    if (conn.connectedAt !== undefined && now - conn.connectedAt >= STABLE_MS) {
      this.attempt = 0
      this.failures.reset()
    }
    const delay = backoffDelayMs(this.attempt++, { minMs: this.o.reconnectMinMs, maxMs: this.o.reconnectMaxMs }, this.o.random)
    const text = wasConnected
      ? `connection lost: ${conn.failure?.replace(/^broker unreachable: /u, '') ?? 'closed by the network or the broker'}`
      : conn.failure ?? 'connection closed before CONNACK'
    if (!wasConnected) this.counters.failedAttempts++
    this.lastError = text
    this.failures.failed(text, delay, { url: this.o.url, attempt: this.attempt })
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined
      if (this.running) this.connect()
    }, delay)
  }

  /** Drop the bookkeeping of the current connection: in-flight records will be re-read on the next. */
  private forget(): void {
    this.epoch++
    this.connected = false
    this.inFlight = 0
    this.o.outbox.releaseHandedOut()
    this.sampleCursor = 0
    this.eventCursor = 0
    this.holdSince = undefined
    this.connectionFirstSeq = undefined
    this.stopConnectionTimers()
  }

  private stopConnectionTimers(): void {
    clearInterval(this.statusTimer)
    clearInterval(this.idleTimer)
    if (this.pumpScheduled) clearImmediate(this.pumpScheduled)
    this.statusTimer = this.idleTimer = this.pumpScheduled = undefined
  }

  private schedulePump(): void {
    if (this.pumpScheduled || !this.connected || !this.running) return
    this.pumpScheduled = setImmediate(() => {
      this.pumpScheduled = undefined
      this.pump()
    })
  }

  /** Fill the window: events first, then telemetry, each oldest first; yields after PUMP_SLICE_MS. */
  private pump(): void {
    const conn = this.conn
    if (!conn || !this.connected || !this.running) return
    const started = performance.now()
    try {
      let more = true
      while (more && this.inFlight < this.window) {
        more = this.publishEvents(conn) || this.publishSamples(conn)
        if (more && performance.now() - started > PUMP_SLICE_MS) {
          this.schedulePump()
          break
        }
      }
      this.outboxError = undefined
    } catch (error) {
      // e.g. the outbox was closed under us: the idle poll tries again; logged once per distinct error
      const message = `uplink: cannot read the outbox: ${(error as Error).message}`
      if (message !== this.outboxError) this.o.logger.error({ err: (error as Error).message }, message)
      this.outboxError = message
      this.lastError = message
    }
  }

  private publishEvents(conn: Connection): boolean {
    const events = this.o.outbox.nextEvents(this.eventCursor, this.o.batchEvents)
    if (events.length === 0) return false
    let payload = Buffer.from(JSON.stringify({ v: 1, gw: this.o.gateway, events }))
    while (payload.length > this.maxPayloadBytes && events.length > 1) {
      events.length = Math.ceil(events.length / 2)
      payload = Buffer.from(JSON.stringify({ v: 1, gw: this.o.gateway, events }))
    }
    const seqs = events.map((e) => e.seq)
    this.eventCursor = seqs[seqs.length - 1]!
    this.send(conn, this.topics.events, payload, () => {
      this.o.outbox.acknowledgeEvents(seqs)
      this.counters.acknowledgedEvents += seqs.length
    })
    return true
  }

  private publishSamples(conn: Connection): boolean {
    const batch = this.o.outbox.nextTelemetryBatch(this.o.gateway, this.sampleCursor, this.o.batchSamples, this.maxPayloadBytes)
    if (!batch) {
      this.holdSince = undefined
      return false
    }
    if (!batch.full && this.o.batchMs > 0) {
      // live telemetry: wait for a fuller message, at most batchMs from its oldest sample (or from
      // when it was first seen, should the sample clock run ahead); the idle poll looks again
      const now = this.o.clock()
      this.holdSince ??= now
      if (now < Math.min(batch.minTs, this.holdSince) + this.o.batchMs) return false
    }
    this.holdSince = undefined
    const { lastSeq, count } = batch
    this.sampleCursor = lastSeq
    // This connection publishes the telemetry in sequence order from the oldest row, and the broker
    // acknowledges in order: at this PUBACK every sample from the first row of the connection up to
    // lastSeq has been acknowledged, so every row within that range may go (also one that the
    // outbox's compaction merged while parts of it were in flight).
    const from = (this.connectionFirstSeq ??= batch.rowFirstSeq)
    this.send(conn, this.topics.telemetry, batch.payload, () => {
      this.o.outbox.queueAcknowledgement(from, lastSeq)
      this.counters.acknowledgedSamples += count
    })
    return true
  }

  private send(conn: Connection, topic: string, payload: Buffer, onAck: () => void): void {
    this.inFlight++
    this.counters.published++
    conn.client.publish(topic, payload, { qos: 1 }, (error) => {
      if (conn.epoch !== this.epoch) return // a late callback of an earlier connection
      this.inFlight--
      if (error) {
        this.refused(conn, error)
        return
      }
      try {
        onAck()
      } catch (ackError) {
        this.o.logger.error({ err: (ackError as Error).message }, `uplink: cannot delete acknowledged records from the outbox: ${(ackError as Error).message}`)
      }
      // refill the freed slot at once (as a plain publishing loop would), unless a pump is due anyway
      if (!this.pumpScheduled) this.pump()
    })
  }

  /** The broker refused a publish (e.g. not authorized for the topic): reconnect after back-off and retry from the oldest record. */
  private refused(conn: Connection, error: Error): void {
    const code = (error as { code?: unknown }).code
    // the first refusal is the cause; ending the client errors out the other pending publishes
    conn.failure ??= typeof code === 'number' ? describeReasonCode('publish refused', code) : `publish failed: ${error.message}`
    this.connected = false // publish nothing more on this connection; 'close' follows
    conn.client.end(true)
  }

  private publishStatus(): void {
    let fields: StatusFields = {}
    try {
      fields = this.o.status()
    } catch (error) {
      this.o.logger.warn({ err: (error as Error).message }, `uplink: status fields unavailable: ${(error as Error).message}`)
    }
    this.publishSmall('status', statusPayload(this.o.gateway, 'online', this.o.clock(), fields, this.o.logger), true)
  }

  /** Status, inventory, cmd-result: outside the drain window, logged (not retried) if refused. */
  private publishSmall(kind: 'status' | 'inventory' | 'cmd-result', payload: Status | Inventory | object, retain: boolean): void {
    const conn = this.conn
    if (!conn || !this.connected) {
      this.o.logger.warn({ kind }, `uplink: not connected, ${kind} not sent`)
      return
    }
    this.counters.published++
    conn.client.publish(this.topics[kind], JSON.stringify(payload), { qos: 1, retain }, (error) => {
      if (error && conn.epoch === this.epoch) this.o.logger.warn({ kind, err: error.message }, `uplink: ${kind} not delivered: ${error.message}`)
    })
  }
}

const clamp = (value: number, min: number, max: number): number => Math.min(max, Math.max(min, Math.floor(value)))

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T
}

function withTimeout(promise: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  return Promise.race([promise, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]).finally(() => clearTimeout(timer))
}
