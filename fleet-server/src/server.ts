import { randomBytes } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import type { FastifyBaseLogger, FastifyInstance } from 'fastify'
import type { Health } from './routes/health.schema.ts'
import { buildApp, type CommandPort } from './app.ts'
import { DEFAULT_DB_PATH, DEFAULT_HOST, DEFAULT_HTTP_PORT, DEFAULT_MQTT_PORT, DEFAULT_WEB_ROOT } from './defaults.ts'
import { startIngest, type RunningIngest } from './ingest/index.ts'
import { startEmbeddedBroker, type EmbeddedBroker } from './mqtt/broker.ts'
import type { MqttConnectionLimits } from './mqtt/connection-limits.ts'
import type { SignInPolicy } from './mqtt/sign-in-throttle.ts'
import { CommandSender } from './mqtt/commands.ts'
import { listenMqtts } from './mqtt/tls-listener.ts'
import { withoutCredentials } from '../../protocols/mqtt/credentials.ts'
import { openSqliteStore, type SqliteStore } from './store/sqlite/index.ts'

export interface FleetServerOptions {
  /** HTTP port (0: any free port) */
  port?: number
  host?: string
  dbPath?: string
  /** an external broker; without it an embedded one listens on host:mqttPort */
  mqttUrl?: string
  /** the server's login to the external broker (never put it in mqttUrl: that URL is shown and handed out) */
  mqttCredentials?: { username: string; password: string }
  mqttPort?: number
  /** HTTPS with this certificate (chain) and key, PEM; also the embedded broker's mqtts listener's */
  tls?: { cert: Buffer; key: Buffer }
  /** an mqtts:// listener of the embedded broker (needs tls): the URL gateways are then given */
  mqttsPort?: number
  /** the URL gateways reach this server at, when a proxy or tunnel puts the dashboard elsewhere */
  publicUrl?: string
  /** dashboard files; default fleet-server/web when it exists */
  webRoot?: string
  /** a pino logger; default silent */
  logger?: FastifyBaseLogger
  /** close by itself on SIGINT and SIGTERM (the CLI handles signals itself) */
  closeOnSignals?: boolean
  /** the embedded broker's packet and connection limits; default MQTT_LIMITS */
  mqttLimits?: Partial<MqttConnectionLimits>
  /** failed sign-ins (HTTP and MQTT) slow down, then lock; default SIGN_IN_THROTTLE */
  signInThrottle?: SignInPolicy
}

export interface FleetServer {
  url: string
  mqttUrl: string
  store: SqliteStore
  app: FastifyInstance
  /** stop accepting, then close the ingest, the broker and the store; safe to call twice */
  close(): Promise<void>
}

const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version

/** The composition root: store, broker, ingest, commands and HTTP app, started in order and closed in reverse. */
export async function startFleetServer(opts: FleetServerOptions = {}): Promise<FleetServer> {
  const host = opts.host ?? DEFAULT_HOST
  const dbPath = opts.dbPath ?? DEFAULT_DB_PATH
  const logger = opts.logger
  const startedAt = Date.now()
  const closers: Array<() => unknown> = []
  const closeAll = async () => {
    for (const close of closers.splice(0).reverse()) {
      try {
        await close()
      } catch (error) {
        logger?.error({ err: error }, 'closing failed')
      }
    }
  }

  try {
    const store = openSqliteStore(dbPath, { backgroundCheckpoint: true })
    closers.push(() => store.closeAndWait())

    // what health, gateways and the log are shown: never a user name or password
    let mqttUrl = opts.mqttUrl === undefined ? undefined : withoutCredentials(opts.mqttUrl)
    let clientOptions = opts.mqttCredentials ?? {}
    // the ingest stays on the plain loopback listener; gateways are given mqtts:// when there is one
    let gatewayMqttUrl: string | undefined
    if (mqttUrl === undefined) {
      // the server's own MQTT identity lives only as long as this process
      const serverCredentials = { username: `fleet-server-${randomBytes(4).toString('hex')}`, password: randomBytes(32).toString('base64url') }
      const broker: EmbeddedBroker = await startEmbeddedBroker({ host, port: opts.mqttPort ?? DEFAULT_MQTT_PORT, store, serverCredentials, ...(logger ? { logger } : {}),
        ...(opts.mqttLimits ? { limits: opts.mqttLimits } : {}), ...(opts.signInThrottle ? { signInPolicy: opts.signInThrottle } : {}), ...(opts.publicUrl !== undefined ? { publicUrl: opts.publicUrl } : {}) })
      closers.push(() => broker.close())
      mqttUrl = broker.url
      clientOptions = serverCredentials
      if (opts.tls !== undefined && opts.mqttsPort !== undefined) {
        const mqtts = await listenMqtts({ host, port: opts.mqttsPort, ...opts.tls, accept: broker.accept, ...(logger ? { logger } : {}) })
        closers.push(() => mqtts.close())
        gatewayMqttUrl = mqtts.url
      }
    }

    const ingest: RunningIngest = await startIngest({ url: opts.mqttUrl ?? mqttUrl, store, clientOptions, ...(logger ? { logger } : {}) })
    closers.push(() => ingest.close())
    const commands: CommandPort = new CommandSender({ client: ingest.client, store })
    const brokerUrl = gatewayMqttUrl ?? mqttUrl
    const health = (): Health => {
      const stats = ingest.stats()
      return {
        ok: ingest.connected(),
        version: VERSION,
        uptimeS: (Date.now() - startedAt) / 1000,
        mqtt: { connected: ingest.connected(), url: brokerUrl },
        ingest: { accepted: stats.accepted, duplicates: stats.duplicates, rejected: stats.rejected },
      }
    }

    const webRoot = opts.webRoot ?? (existsSync(DEFAULT_WEB_ROOT) ? DEFAULT_WEB_ROOT : undefined)
    const app = await buildApp({ store, commands, health, ...(opts.tls ? { https: opts.tls } : {}), ...(webRoot !== undefined ? { webRoot } : {}), ...(logger ? { logger } : {}), ...(opts.signInThrottle ? { signInPolicy: opts.signInThrottle } : {}) })
    closers.push(() => app.close())
    await app.listen({ port: opts.port ?? DEFAULT_HTTP_PORT, host })
    const address = app.server.address()
    const port = typeof address === 'object' && address !== null ? address.port : opts.port
    const url = `${opts.tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}`

    let closing: Promise<void> | undefined
    const close = () => {
      closing ??= closeAll().then(() => {
        process.off('SIGINT', onSignal).off('SIGTERM', onSignal)
      })
      return closing
    }
    const onSignal = (signal: NodeJS.Signals) => {
      logger?.info({ signal }, 'stopping')
      void close()
    }
    if (opts.closeOnSignals) process.on('SIGINT', onSignal).on('SIGTERM', onSignal)
    logger?.info({ url, mqttUrl: brokerUrl }, 'fleet server listening')
    return { url, mqttUrl: brokerUrl, store, app, close }
  } catch (error) {
    await closeAll()
    throw error
  }
}
