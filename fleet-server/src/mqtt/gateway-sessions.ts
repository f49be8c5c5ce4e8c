import type { Client } from 'aedes'
import type { GatewayCredentials } from '../store/types.ts'

/**
 * The gateways' open sessions, each with the password hash it signed in with. A session whose
 * credentials the store no longer holds (revoked, or replaced by a new enrolment) is closed: at once
 * when this process changed them (`closeStale(gatewayId)`), at the next sweep when another one did
 * (the CLI on the same database).
 */
export class GatewaySessions {
  private readonly open = new Map<Client, GatewayCredentials>()
  /** client id → the session holding it */
  private readonly byClientId = new Map<string, Client>()

  constructor(private readonly current: (username: string) => GatewayCredentials | undefined) {}

  signedIn(client: Client, credentials: GatewayCredentials): void {
    this.open.set(client, credentials)
    this.byClientId.set(client.id, client)
  }

  ended(client: Client): void {
    this.open.delete(client)
    // a session taken over by its own gateway ends after the new one signed in with the id
    if (this.byClientId.get(client.id) === client) this.byClientId.delete(client.id)
  }

  /** the gateway whose open session holds `clientId`, if any */
  holder(clientId: string): string | undefined {
    const client = this.byClientId.get(clientId)
    return client && this.open.get(client)?.gatewayId
  }

  /** Closes the sessions of `gatewayId` (every gateway when undefined) whose credentials are no longer the store's; returns how many. */
  closeStale(gatewayId?: string): number {
    let closed = 0
    for (const [client, credentials] of this.open) {
      if (client.closed) {
        // closed before aedes registered it, so no clientDisconnect comes
        this.ended(client)
        continue
      }
      if (gatewayId !== undefined && credentials.gatewayId !== gatewayId) continue
      if (this.current(credentials.username)?.passwordHash === credentials.passwordHash) continue
      this.ended(client)
      client.close()
      closed += 1
    }
    return closed
  }
}
