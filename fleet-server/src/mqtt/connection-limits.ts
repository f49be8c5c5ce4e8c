import type { Socket } from 'node:net'
import { Duplex } from 'node:stream'
import type { AedesOptions, AuthenticateError, Client, createBroker } from 'aedes'
import type { Logger } from '../ingest/ingest.ts'
import { ConnectionCounts, type ConnectionCaps } from './connection-counts.ts'
import { PacketMeter, type PacketLimits } from './packet-meter.ts'
import type { SignInThrottle } from './sign-in-throttle.ts'

export type MqttConnectionLimits = PacketLimits & ConnectionCaps

/**
 * What the broker reads from a socket, metered on its way in: each chunk is counted against the
 * packet limits before aedes (whose parser would buffer a packet as long as its header announces)
 * sees it; the chunk that goes past a limit is dropped and the socket destroyed. Writes go straight
 * to the socket.
 */
class MeteredConnection extends Duplex {
  readonly remoteAddress: string

  constructor(private readonly socket: Socket, readonly meter: PacketMeter, onRefused: (reason: string) => void) {
    super({ allowHalfOpen: false })
    this.remoteAddress = socket.remoteAddress ?? 'unknown'
    socket.on('data', (chunk: Buffer) => {
      const refusal = meter.feed(chunk)
      if (refusal !== undefined) {
        onRefused(refusal)
        this.destroy()
        return
      }
      if (!this.push(chunk)) socket.pause()
    })
    socket.once('end', () => this.push(null))
    socket.once('error', (error) => this.destroy(error))
    socket.once('close', () => this.destroy())
  }

  override _read(): void {
    this.socket.resume()
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.socket.write(chunk, callback)
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.socket.end(callback)
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.socket.destroy()
    callback(error)
  }
}

export interface ConnectionGate {
  /** Hands the socket to the broker, metered, or closes it when a connection cap is reached. */
  accept(socket: Socket): void
  /** How many connections are open. */
  readonly open: number
}

/**
 * The broker's front door: caps on connections (in all, per address) and a packet meter on each
 * connection, which allows a signed-in client larger packets than one that has not signed in.
 */
export function connectionGate(broker: ReturnType<typeof createBroker>, limits: MqttConnectionLimits, logger: Logger): ConnectionGate {
  const counts = new ConnectionCounts(limits)
  broker.on('client', (client: Client) => {
    if (client.conn instanceof MeteredConnection) client.conn.meter.markSignedIn()
  })
  return {
    accept(socket) {
      const address = socket.remoteAddress ?? 'unknown'
      const refusal = counts.admit(address)
      if (refusal !== undefined) {
        logger.warn({ address }, `MQTT connection refused: ${refusal}`)
        socket.destroy()
        return
      }
      socket.once('close', () => counts.release(address))
      broker.handle(new MeteredConnection(socket, new PacketMeter(limits), (reason) => {
        logger.warn({ address }, `MQTT connection closed: ${reason}`)
      }))
    },
    get open() {
      return counts.open
    },
  }
}

type Authenticate = NonNullable<AedesOptions['authenticate']>

const addressOf = (client: Client): string => (client.conn instanceof MeteredConnection ? client.conn.remoteAddress : ((client.conn as Partial<Socket>).remoteAddress ?? 'unknown'))

export interface SignInGuard {
  throttle: SignInThrottle
  clock: () => number
  logger: Logger
  /** users the throttle never holds back: the server's own client, whose random secret is not hashed and cannot be guessed */
  exempt: (username: string) => boolean
}

/**
 * Wraps the broker's authenticate: a user or address that failed too often is refused at once, with
 * return code 3 (server unavailable: try later), before any password is hashed.
 */
export function throttledAuthenticate({ throttle, clock, logger, exempt }: SignInGuard, authenticate: Authenticate): Authenticate {
  return (client, username, password, done) => {
    if (username === undefined || exempt(username)) {
      authenticate(client, username, password, done)
      return
    }
    const address = addressOf(client)
    // A gateway's password is a random secret nobody guesses; counting its name's failures from everywhere
    // would let anyone who read it in a topic lock the gateway out. Its failures count per name and address.
    const attempt = throttle.begin(`${username} from ${address}`, address, clock())
    if (!attempt.allowed) {
      logger.warn({ username, address }, 'MQTT sign-in refused: too many failed sign-ins')
      const error = Object.assign(new Error('too many failed sign-ins; try again later'), { returnCode: 3 }) as AuthenticateError
      done(error, null)
      return
    }
    authenticate(client, username, password, (error, success) => {
      attempt.end(error === null && success === true, clock())
      done(error, success)
    })
  }
}
