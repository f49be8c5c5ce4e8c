import { createServer } from 'node:net'

/**
 * A TCP port that is free on 127.0.0.1 right now: the OS picks one for a throw-away listener,
 * which is closed before the port is returned. Another process could take it in between; the
 * window is tiny and the OS does not hand the same ephemeral port out again at once.
 */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.unref()
    server.once('error', reject)
    server.listen({ port: 0, host, exclusive: true }, () => {
      const address = server.address()
      if (address === null || typeof address === 'string') {
        server.close()
        reject(new Error(`unexpected listener address ${String(address)}`))
        return
      }
      const { port } = address
      server.close((error) => (error ? reject(error) : resolve(port)))
    })
  })
}
