import { createHash, timingSafeEqual } from 'node:crypto'
import { createServer, type Server, type Socket } from 'node:net'
import aedes, { type AuthenticateError, type Client } from 'aedes'
import { gatewayClientId, parseTopic, topicRoot, TOPIC_PREFIX } from '../../../protocols/mqtt/index.ts'
import type { Logger } from '../ingest/ingest.ts'
import { silentLogger } from '../ingest/ingest.ts'
import { MQTT_LIMITS, SIGN_IN_THROTTLE } from '../defaults.ts'
import { connectionGate, throttledAuthenticate, type MqttConnectionLimits } from './connection-limits.ts'
import { SignInThrottle, type SignInPolicy } from './sign-in-throttle.ts'
import type { FleetStore } from '../store/types.ts'
import { GatewaySessions } from './gateway-sessions.ts'
import { verifySecret } from './secrets.ts'

export interface EmbeddedBrokerOptions {
  host?: string
  port?: number
  store: Pick<FleetStore, 'gatewayCredentials' | 'onCredentialsRevoked'>
  /** the fleet server's own client (ingest, commands) */
  serverCredentials: { username: string; password: string }
  logger?: Logger
  /** how often sessions are checked against the store for credentials revoked by another process (the CLI); default 5 s */
  credentialCheckMs?: number
  /** packet and connection limits; default MQTT_LIMITS */
  limits?: Partial<MqttConnectionLimits>
  /** failed sign-ins slow down, then lock; default SIGN_IN_THROTTLE */
  signInPolicy?: SignInPolicy
}

export interface EmbeddedBroker {
  url: string
  port: number
  /** serve one more client connection (an mqtts listener's, mqtt/tls-listener.ts) like the broker's own */
  accept(socket: Socket): void
  /** closes the gateway's sessions whose credentials the store no longer holds; how many */
  disconnectRevoked(gatewayId: string): number
  close(): Promise<void>
}

type Identity = { kind: 'server' } | { kind: 'gateway'; gatewayId: string; siteId: string }

/** Uplink kinds a gateway may retain: its status (and last will) and its device list. */
const RETAINED_KINDS = new Set(['status', 'inventory'])

/** how often open sessions are checked against credentials revoked by another process */
const CREDENTIAL_CHECK_MS = 5_000

const digest = (text: string): Buffer => createHash('sha256').update(text).digest()

function refused(message: string, returnCode: 4 | 5): AuthenticateError {
  return Object.assign(new Error(message), { returnCode }) as AuthenticateError
}

/** May this identity publish on this topic? */
function mayPublish(identity: Identity | undefined, topic: string, retain: boolean): boolean {
  const parsed = parseTopic(topic)
  if (!identity || !parsed) return false
  if (identity.kind === 'server') return parsed.kind === 'cmd' && !retain
  if (parsed.kind === 'cmd' || parsed.site !== identity.siteId || parsed.gateway !== identity.gatewayId) return false
  return !retain || RETAINED_KINDS.has(parsed.kind)
}

/** May this identity subscribe to this filter? A gateway: only its own commands. */
function maySubscribe(identity: Identity | undefined, filter: string): boolean {
  if (!identity) return false
  if (identity.kind === 'server') return filter === `${TOPIC_PREFIX}/#` || filter.startsWith(`${TOPIC_PREFIX}/`)
  const own = `${topicRoot(identity.siteId, identity.gatewayId)}cmd/`
  return filter.startsWith(own) && !filter.slice(own.length).includes('/#/')
}

/**
 * The MQTT broker built into the fleet server (aedes on a plain TCP listener). Every client signs
 * in: the server with its own credentials, a gateway with those it received at enrolment; a gateway
 * publishes only under its own topic root and subscribes only to its own commands.
 */
export async function startEmbeddedBroker(options: EmbeddedBrokerOptions): Promise<EmbeddedBroker> {
  const host = options.host ?? '127.0.0.1'
  const logger = options.logger ?? silentLogger
  const identities = new WeakMap<Client, Identity>()
  const serverUser = options.serverCredentials.username
  const serverPassword = digest(options.serverCredentials.password)
  const sessions = new GatewaySessions((username) => options.store.gatewayCredentials(username))

  // aedes 0.51 is CommonJS: its default export is the module, whose createBroker builds a broker
  const broker = aedes.createBroker({
    authenticate: throttledAuthenticate({ throttle: new SignInThrottle(options.signInPolicy ?? SIGN_IN_THROTTLE), clock: Date.now, logger, exempt: (username) => username === serverUser }, (client, username, password, done) => {
      if (username === undefined || password === undefined) {
        done(refused('anonymous clients are refused', 5), null)
        return
      }
      const secret = password.toString('utf8')
      if (username === serverUser) {
        if (timingSafeEqual(digest(secret), serverPassword)) {
          identities.set(client, { kind: 'server' })
          done(null, true)
        } else done(refused('bad user name or password', 4), null)
        return
      }
      const credentials = options.store.gatewayCredentials(username)
      // an unknown user costs as much as a wrong password, so user names cannot be probed by timing
      verifySecret(secret, credentials?.passwordHash ?? 'scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=', 'gateways').then(
        (ok) => {
          if (ok && credentials) {
            const ownId = gatewayClientId(credentials.siteId, credentials.gatewayId)
            // ids may contain '-', so two gateways can share one (`a-b`/`c` and `a`/`b-c`): whose session holds it counts too
            const holder = sessions.holder(client.id)
            if (client.id !== ownId || (holder !== undefined && holder !== credentials.gatewayId)) {
              // aedes would close the session holding the id (the server's ingest, another gateway) for this one
              logger.warn({ username, clientId: client.id.slice(0, 200) }, 'MQTT client id refused')
              done(refused(`gateway ${credentials.gatewayId} signs in with client id ${ownId} only`, 5), null)
            } else if (options.store.gatewayCredentials(username)?.passwordHash !== credentials.passwordHash) {
              // revoked or replaced while the password was being checked
              done(refused('bad user name or password', 4), null)
            } else {
              identities.set(client, { kind: 'gateway', gatewayId: credentials.gatewayId, siteId: credentials.siteId })
              sessions.signedIn(client, credentials)
              done(null, true)
            }
          } else {
            logger.warn({ username, clientId: client.id }, 'MQTT sign-in refused')
            done(refused('bad user name or password', 4), null)
          }
        },
        (error: unknown) => done(refused(`cannot check credentials: ${String(error)}`, 4), null),
      )
    }),
    authorizePublish: (client, packet, callback) => {
      if (client === null || mayPublish(identities.get(client), packet.topic, packet.retain)) {
        callback(null)
        return
      }
      logger.warn({ clientId: client.id, topic: packet.topic.slice(0, 200) }, 'MQTT publish refused')
      callback(new Error(`not authorized to publish on ${packet.topic.slice(0, 200)}`))
    },
    authorizeSubscribe: (client, subscription, callback) => {
      if (maySubscribe(identities.get(client), subscription.topic)) {
        callback(null, subscription)
        return
      }
      logger.warn({ clientId: client.id, filter: subscription.topic.slice(0, 200) }, 'MQTT subscription refused')
      callback(null, null)
    },
  })

  broker.on('clientDisconnect', (client) => sessions.ended(client))
  const stopListening = options.store.onCredentialsRevoked((gatewayId) => sessions.closeStale(gatewayId))
  const sweep = setInterval(() => sessions.closeStale(), options.credentialCheckMs ?? CREDENTIAL_CHECK_MS).unref()

  const sockets = new Set<Socket>()
  const gate = connectionGate(broker, { ...MQTT_LIMITS, ...options.limits }, logger)
  const accept = (socket: Socket) => {
    socket.setNoDelay(true)
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
    gate.accept(socket)
  }
  const server: Server = createServer(accept)
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 1883, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const address = server.address()
  const port = typeof address === 'object' && address !== null ? address.port : (options.port ?? 1883)
  logger.info({ host, port }, 'embedded MQTT broker listening')
  return {
    url: `mqtt://${host}:${port}`,
    port,
    accept,
    disconnectRevoked: (gatewayId) => sessions.closeStale(gatewayId),
    close: async () => {
      stopListening()
      clearInterval(sweep)
      await new Promise<void>((resolve) => broker.close(() => resolve()))
      for (const socket of sockets) socket.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
