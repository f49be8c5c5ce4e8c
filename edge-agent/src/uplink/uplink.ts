import { connect, type IClientOptions, type IConnackPacket, type IPublishPacket, type MqttClient } from 'mqtt'
import type { Socket } from 'node:net'
import { performance } from 'node:perf_hooks'
import {
  brokerAddress, gatewayClientId, MAX_PAYLOAD_BYTES, TOPIC_KINDS, topicOf, topicRoot,
  type Inventory, type InventoryDevice, type Status, type TopicKind,
} from '../../../protocols/mqtt/index.ts'
import { CommandDispatcher, type CommandHandler } from './commands.ts'
import { OutboxDrain } from './drain.ts'
import { backoffDelayMs, describeConnectionFailure, describeReasonCode, FailureLog } from './failures.ts'
import { uplinkSettings, type UplinkOptions, type UplinkSettings, type UplinkStats } from './options.ts'
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
 * What to publish next, and what each PUBACK deletes, is the drain's (drain.ts).
 */
export class Uplink {
  private readonly settings: UplinkSettings
  private readonly clientId: string
  private readonly topics: Record<TopicKind, string>
  private readonly target: { host: string; port: number }
  private readonly commands: CommandDispatcher
  private readonly drain: OutboxDrain
  private conn: Connection | undefined
  private epoch = 0
  private running = false
  private connected = false
  private window: number
  private maxPayloadBytes = MAX_PAYLOAD_BYTES
  private inFlight = 0
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
    this.settings = uplinkSettings(options)
    this.window = this.settings.windowMessages
    const { host, port } = brokerAddress(options.url)
    this.target = { host, port }
    this.clientId = options.clientId ?? gatewayClientId(options.site, options.gateway)
    topicRoot(options.site, options.gateway) // validates both ids
    this.topics = Object.fromEntries(TOPIC_KINDS.map((kind) => [kind, topicOf(options.site, options.gateway, kind)])) as Record<TopicKind, string>
    const { logger, clock, outbox, batchSamples, batchEvents, batchMs } = this.settings
    this.failures = new FailureLog(logger, clock)
    this.commands = new CommandDispatcher({
      gateway: options.gateway, clock, logger,
      reply: (result) => this.publishSmall('cmd-result', result, false),
    })
    this.drain = new OutboxDrain({
      gateway: options.gateway, outbox, batchSamples, batchEvents, batchMs, clock,
      acknowledged: (stream, count) => {
        if (stream === 'events') this.counters.acknowledgedEvents += count
        else this.counters.acknowledgedSamples += count
      },
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
    const payload: Inventory = { v: 1, gw: this.settings.gateway, ts: inventory.ts ?? this.settings.clock(), devices: inventory.devices }
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
      conn.client.publish(this.topics.status, JSON.stringify(statusPayload(this.settings.gateway, 'offline', this.settings.clock())), { qos: 1, retain: true }, () => resolve())
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
    const will = statusPayload(this.settings.gateway, 'offline', this.settings.clock())
    const options: IClientOptions = {
      protocolVersion: this.protocolVersion, clean: true, clientId: this.clientId, reconnectPeriod: 0, queueQoSZero: false, resubscribe: false,
      connectTimeout: this.settings.connectTimeoutMs, keepalive: this.settings.keepaliveS,
      will: { topic: this.topics.status, payload: Buffer.from(JSON.stringify(will)), qos: 1, retain: true },
      ...(this.settings.credentials && { username: this.settings.credentials.username, password: this.settings.credentials.password }),
      ...(this.settings.ca && { ca: this.settings.ca }),
    }
    const client = connect({ ...brokerAddress(this.settings.url), ...options })
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
      conn.failure ??= describeConnectionFailure(error, this.target, this.settings.connectTimeoutMs)
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
    conn.connectedAt = this.settings.clock()
    this.connected = true
    this.counters.connects++
    const receiveMaximum = connack.properties?.receiveMaximum
    this.window = receiveMaximum ? Math.max(1, Math.min(this.settings.windowMessages, receiveMaximum - RESERVED_IN_FLIGHT)) : this.settings.windowMessages
    const maxPacket = connack.properties?.maximumPacketSize
    this.maxPayloadBytes = maxPacket ? Math.min(MAX_PAYLOAD_BYTES, maxPacket - PACKET_OVERHEAD) : MAX_PAYLOAD_BYTES
    this.inFlight = 0
    this.drain.restart()
    this.failures.connected(this.settings.url, { url: this.settings.url, clientId: this.clientId })
    client.subscribe(`${topicRoot(this.settings.site, this.settings.gateway)}cmd/+`, { qos: 1 }, (error) => {
      if (error && conn.epoch === this.epoch) this.settings.logger.warn({ err: error.message }, `uplink: cannot subscribe to commands: ${error.message}`)
    })
    this.publishStatus()
    if (this.inventory) this.publishSmall('inventory', this.inventory, true)
    this.statusTimer = setInterval(() => this.publishStatus(), this.settings.statusIntervalMs)
    this.idleTimer = setInterval(() => this.schedulePump(), this.settings.idlePollMs)
    this.schedulePump()
  }

  private onClosed(conn: Connection): void {
    const wasConnected = conn.connectedAt !== undefined
    this.forget()
    conn.client.end(true) // errors out mqtt.js's pending callbacks; the epoch makes us ignore them
    if (!this.running) return
    if (this.protocolFallback) {
      this.protocolFallback = false
      this.settings.logger.warn({ url: this.settings.url }, 'uplink: the broker does not speak MQTT 5; using MQTT 3.1.1')
      this.reconnectTimer = setTimeout(() => {
        this.reconnectTimer = undefined
        if (this.running) this.connect()
      }, 0)
      return
    }
    const now = this.settings.clock()
    if (conn.connectedAt !== undefined && now - conn.connectedAt >= STABLE_MS) {
      this.attempt = 0
      this.failures.reset()
    }
    const delay = backoffDelayMs(this.attempt++, { minMs: this.settings.reconnectMinMs, maxMs: this.settings.reconnectMaxMs }, this.settings.random)
    const text = wasConnected
      ? `connection lost: ${conn.failure?.replace(/^broker unreachable: /u, '') ?? 'closed by the network or the broker'}`
      : conn.failure ?? 'connection closed before CONNACK'
    if (!wasConnected) this.counters.failedAttempts++
    this.lastError = text
    this.failures.failed(text, delay, { url: this.settings.url, attempt: this.attempt })
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
    this.settings.outbox.releaseHandedOut()
    this.drain.restart()
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
      while (this.inFlight < this.window) {
        const message = this.drain.next(this.maxPayloadBytes)
        if (!message) break
        this.send(conn, this.topics[message.stream], message.payload, message.onAcknowledged)
        if (performance.now() - started > PUMP_SLICE_MS) {
          this.schedulePump()
          break
        }
      }
      this.outboxError = undefined
    } catch (error) {
      // e.g. the outbox was closed under us: the idle poll tries again; logged once per distinct error
      const message = `uplink: cannot read the outbox: ${(error as Error).message}`
      if (message !== this.outboxError) this.settings.logger.error({ err: (error as Error).message }, message)
      this.outboxError = message
      this.lastError = message
    }
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
        this.settings.logger.error({ err: (ackError as Error).message }, `uplink: cannot delete acknowledged records from the outbox: ${(ackError as Error).message}`)
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
      fields = this.settings.status()
    } catch (error) {
      this.settings.logger.warn({ err: (error as Error).message }, `uplink: status fields unavailable: ${(error as Error).message}`)
    }
    this.publishSmall('status', statusPayload(this.settings.gateway, 'online', this.settings.clock(), fields, this.settings.logger), true)
  }

  /** Status, inventory, cmd-result: outside the drain window, logged (not retried) if refused. */
  private publishSmall(kind: 'status' | 'inventory' | 'cmd-result', payload: Status | Inventory | object, retain: boolean): void {
    const conn = this.conn
    if (!conn || !this.connected) {
      this.settings.logger.warn({ kind }, `uplink: not connected, ${kind} not sent`)
      return
    }
    this.counters.published++
    conn.client.publish(this.topics[kind], JSON.stringify(payload), { qos: 1, retain }, (error) => {
      if (error && conn.epoch === this.epoch) this.settings.logger.warn({ kind, err: error.message }, `uplink: ${kind} not delivered: ${error.message}`)
    })
  }
}

function withTimeout(promise: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  return Promise.race([promise, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]).finally(() => clearTimeout(timer))
}
