import { connect, type IClientOptions, type MqttClient } from 'mqtt'
import { TOPIC_PREFIX } from '../../../protocols/mqtt/index.ts'
import { Ingest, silentLogger, type IngestOptions, type Logger } from './ingest.ts'
import type { IngestStats } from './types.ts'

export const INGEST_TOPICS = ['telemetry', 'events', 'status', 'inventory', 'cmd-result'].map((kind) => `${TOPIC_PREFIX}/+/+/${kind}`)
export const DEFAULT_INGEST_CLIENT_ID = 'fleet-server-ingest'

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
 * clean start off) makes the broker keep the QoS 1 messages published while the server restarts.
 * MQTT 3.1.1 by default: the embedded broker (aedes 0.51) does not speak MQTT 5.
 */
export async function startIngest(options: StartIngestOptions): Promise<RunningIngest> {
  const logger = options.logger ?? silentLogger
  const ingest = new Ingest({ ...options, logger })
  const client = connect(options.url, {
    protocolVersion: 4, clientId: DEFAULT_INGEST_CLIENT_ID, clean: false, reconnectPeriod: 1000, connectTimeout: 10_000,
    ...options.clientOptions,
  })
  client.on('connect', (connack) => {
    // mqtt.js leaves Nagle on: without this a QoS 1 PUBACK can wait 40 ms for a delayed ACK
    ;(client.stream as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true)
    logger.info({ url: options.url, sessionPresent: connack.sessionPresent }, 'ingest connected')
  })
  client.on('error', (error) => logger.warn({ err: error }, 'ingest MQTT error'))
  client.on('message', (topic, payload, packet) => {
    try {
      ingest.handle(topic, payload, packet.retain)
    } catch (error) {
      logger.error({ err: error, topic }, 'storing a message failed')
    }
  })
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`ingest could not connect to ${options.url}`)), options.clientOptions?.connectTimeout ?? 10_000)
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
      ingest.stop()
      await client.endAsync()
    },
  }
}
