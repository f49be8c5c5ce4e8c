import { createServer, type TLSSocket } from 'node:tls'
import type { Logger } from '../ingest/ingest.ts'
import { silentLogger } from '../ingest/ingest.ts'

export interface MqttsListenerOptions {
  host: string
  port: number
  /** the server certificate (chain) and its key, PEM */
  cert: Buffer
  key: Buffer
  /** the embedded broker's door (EmbeddedBroker.accept): sign-in, limits and rights are the same as on plain MQTT */
  accept: (socket: TLSSocket) => void
  logger?: Logger
}

export interface MqttsListener {
  url: string
  port: number
  close(): Promise<void>
}

/** mqtts:// for the embedded broker: TLS ends here, and each connection is handed to the broker as it is. */
export async function listenMqtts(options: MqttsListenerOptions): Promise<MqttsListener> {
  const logger = options.logger ?? silentLogger
  const sockets = new Set<TLSSocket>()
  const server = createServer({ cert: options.cert, key: options.key, minVersion: 'TLSv1.2' }, (socket) => {
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
    options.accept(socket)
  })
  // a handshake that fails (a client that does not trust the CA, a port scan) is that client's problem
  server.on('tlsClientError', (error, socket) => {
    logger.warn({ err: { message: error.message, code: (error as NodeJS.ErrnoException).code }, remoteAddress: socket.remoteAddress }, 'mqtts handshake failed')
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port, options.host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const address = server.address()
  const port = typeof address === 'object' && address !== null ? address.port : options.port
  const host = options.host.includes(':') ? `[${options.host}]` : options.host
  logger.info({ host: options.host, port }, 'embedded MQTT broker listening for mqtts')
  return {
    url: `mqtts://${host}:${port}`,
    port,
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()))
      for (const socket of sockets) socket.destroy()
      await closed
    },
  }
}
