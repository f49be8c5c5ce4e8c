import { connect } from 'mqtt'
import { brokerAddress } from '../../../protocols/mqtt/index.ts'
import { describeConnectionFailure, type Credentials } from '../uplink/index.ts'

export interface LoginCheck {
  url: string
  clientId: string
  credentials: Credentials
  ca?: Buffer
  timeoutMs?: number
}

/**
 * Signs in to the broker as the agent will (its URL, client id, login and CA), publishes nothing and
 * disconnects. Undefined when the broker accepted the login, else one line saying why not.
 * The broker closes a running agent's session under the same client id: it reconnects on its own.
 */
export function loginFailure({ url, clientId, credentials, ca, timeoutMs = 10_000 }: LoginCheck): Promise<string | undefined> {
  const address = brokerAddress(url)
  const client = connect({
    ...address, clientId, username: credentials.username, password: credentials.password, ...(ca !== undefined && { ca }),
    protocolVersion: 4, clean: true, reconnectPeriod: 0, connectTimeout: timeoutMs,
  })
  return new Promise((resolve) => {
    let failure: string | undefined
    let accepted = false
    const timer = setTimeout(() => {
      failure ??= `broker ${address.host}:${address.port} did not answer CONNECT within ${timeoutMs} ms`
      client.end(true)
    }, timeoutMs + 1000)
    client.once('connect', () => {
      accepted = true
      clearTimeout(timer)
      client.end(false, {}, () => resolve(undefined))
    })
    client.on('error', (error) => {
      failure ??= describeConnectionFailure(error, address, timeoutMs)
    })
    client.once('close', () => {
      if (accepted) return
      clearTimeout(timer)
      client.end(true)
      resolve(failure ?? `broker ${address.host}:${address.port} closed the connection before accepting the login`)
    })
  })
}
