import { connect, type IClientOptions, type MqttClient } from 'mqtt'
import { withoutCredentials } from '../../../protocols/mqtt/credentials.ts'
import { brokerAddress, TOPIC_PREFIX } from '../../../protocols/mqtt/index.ts'
import { Ingest, silentLogger, type IngestOptions, type Logger } from './ingest.ts'
import { takeDeliveries, type Delivery } from './deferred-ack.ts'
import type { IngestStats } from './types.ts'

const INGEST_TOPICS = ['telemetry', 'events', 'status', 'inventory', 'cmd-result'].map((kind) => `${TOPIC_PREFIX}/+/+/${kind}`)
const DEFAULT_INGEST_CLIENT_ID = 'fleet-server-ingest'
/** at most this many messages in one transaction */
const MAX_GROUP_MESSAGES = 100

export interface StartIngestOptions extends Omit<IngestOptions, 'logger'> {
  url: string
  clientOptions?: IClientOptions
  logger?: Logger
}

export interface RunningIngest {
  ingest: Ingest
  /** the MQTT connection, also used to publish commands (CommandSender) */
  client: MqttClient
  connected(): boolean
  stats(): IngestStats
  close(): Promise<void>
}

/**
 * Subscribe to every gateway's uplink and store what arrives. A persistent session (fixed client id,
 * clean start off) makes the broker keep the QoS 1 messages published while the server restarts;
 * a message is acknowledged only after its transaction committed, so one whose write failed is
 * delivered again rather than lost.
 * MQTT 3.1.1 by default: the embedded broker (aedes 0.51) does not speak MQTT 5.
 */
export async function startIngest(options: StartIngestOptions): Promise<RunningIngest> {
  const logger = options.logger ?? silentLogger
  const shownUrl = withoutCredentials(options.url)
  const ingest = new Ingest({ ...options, logger })
  const client = connect({
    ...brokerAddress(options.url),
    protocolVersion: 4, clientId: DEFAULT_INGEST_CLIENT_ID, clean: false, reconnectPeriod: 1000, connectTimeout: 10_000,
    ...options.clientOptions,
  })
  client.on('connect', (connack) => {
    // mqtt.js leaves Nagle on: without this a QoS 1 PUBACK can wait 40 ms for a delayed ACK
    ;(client.stream as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true)
    logger.info({ url: shownUrl, sessionPresent: connack.sessionPresent }, 'ingest connected')
  })
  client.on('error', (error) => logger.warn({ err: error }, 'ingest MQTT error'))
  // group commit: the messages that arrive before the event loop turns (what one read from the
  // socket held, at most the broker's in-flight window) are stored in one transaction, then acknowledged
  const queue: { delivery: Delivery; ack: () => void }[] = []
  let scheduled: NodeJS.Immediate | undefined
  const commit = () => {
    if (scheduled) clearImmediate(scheduled)
    scheduled = undefined
    const batch = queue.splice(0)
    if (batch.length === 0) return
    const done = ingest.handleAll(batch.map((b) => b.delivery))
    // PUBACKs in arrival order: up to the first message not stored, which the broker must deliver again
    const failedAt = done.indexOf(false)
    // one write for the group's PUBACKs rather than one system call each
    const stream = client.stream as { cork?: () => void; uncork?: () => void } | undefined
    stream?.cork?.()
    for (const b of failedAt === -1 ? batch : batch.slice(0, failedAt)) b.ack()
    stream?.uncork?.()
    if (failedAt !== -1) {
      // mqtt.js cannot leave a message unacknowledged and go on: a new connection makes the broker resend it
      logger.warn({ unacknowledged: batch.length - failedAt }, 'reconnecting so that the broker delivers the messages not stored again')
      client.stream.destroy()
    }
  }
  takeDeliveries(client, (delivery, ack) => {
    queue.push({ delivery, ack })
    if (queue.length >= MAX_GROUP_MESSAGES) commit()
    else scheduled ??= setImmediate(commit)
  })
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`ingest could not connect to ${shownUrl}`)), options.clientOptions?.connectTimeout ?? 10_000)
    client.once('connect', () => {
      clearTimeout(timer)
      resolve()
    })
  })
  // mqtt.js renews these subscriptions by itself after a reconnect
  await client.subscribeAsync(INGEST_TOPICS, { qos: 1 })
  ingest.start()
  return {
    ingest, client,
    connected: () => client.connected,
    stats: () => ingest.stats(),
    close: async () => {
      commit()
      ingest.stop()
      // not needed for correctness (the next start replays what was not flushed), but it spares the replay
      options.store.flushAggregates()
      await client.endAsync()
    },
  }
}
