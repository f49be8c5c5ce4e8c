import { connect, type IClientOptions, type MqttClient } from 'mqtt'

/** A connected MQTT client and what happened to its connection since. */
export interface Session {
  client: MqttClient
  /** how many times its connection closed */
  closes: () => number
  /** resolves when its connection first closes */
  closed: Promise<void>
}

/** Connects (no reconnects), or resolves with the CONNACK's refusal code (4 bad user name or password, 5 not authorized). */
export function attempt(url: string, options: IClientOptions): Promise<{ session?: Session; refused?: number }> {
  return new Promise((resolve) => {
    const client = connect(url, { protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 10_000, ...options })
    let closes = 0
    const closed = new Promise<void>((resolveClosed) => client.on('close', () => {
      closes += 1
      resolveClosed()
    }))
    client.once('connect', () => resolve({ session: { client, closes: () => closes, closed } }))
    client.once('error', (error) => {
      client.end(true)
      resolve({ refused: (error as Error & { code?: number }).code ?? -1 })
    })
  })
}

export async function session(url: string, options: IClientOptions): Promise<Session> {
  const { session: connected, refused } = await attempt(url, options)
  if (!connected) throw new Error(`${options.username ?? 'anonymous'} (client id ${options.clientId ?? 'none'}) was refused: CONNACK ${refused}`)
  return connected
}

/**
 * Whether a session is still up after a round trip through the broker (a QoS 1 publish and its PUBACK):
 * a broker that closed it before answering another client closed it before this answer too.
 */
export async function stillConnected(s: Session, topic: string): Promise<boolean> {
  if (s.closes() > 0) return false
  const outcome = await Promise.race([
    s.client.publishAsync(topic, '{}', { qos: 1 }).then(() => 'answered', () => 'failed'),
    s.closed.then(() => 'closed'),
  ])
  return outcome === 'answered' && s.closes() === 0
}
