import type { Client } from 'aedes'
import type { GatewayCredentials } from '../store/types.ts'

/** The one MQTT client id a gateway may sign in with (the edge agent's default): bound to its user name, never another's. */
export const gatewayClientId = (siteId: string, gatewayId: string): string => `edge-${siteId}-${gatewayId}`

/**
 * The gateways' open sessions, each with the password hash it signed in with. A session whose
 * credentials the store no longer holds (revoked, or replaced by a new enrolment) is closed: at once
 * when this process changed them (`closeStale(gatewayId)`), at the next sweep when another one did
 * (the CLI on the same database).
 */
export class GatewaySessions {
  private readonly open = new Map<Client, GatewayCredentials>()

  constructor(private readonly current: (username: string) => GatewayCredentials | undefined) {}

  signedIn(client: Client, credentials: GatewayCredentials): void {
    this.open.set(client, credentials)
  }

  ended(client: Client): void {
    this.open.delete(client)
  }

  /** Closes the sessions of `gatewayId` (every gateway when undefined) whose credentials are no longer the store's; returns how many. */
  closeStale(gatewayId?: string): number {
    let closed = 0
    for (const [client, credentials] of this.open) {
      if (gatewayId !== undefined && credentials.gatewayId !== gatewayId) continue
      if (this.current(credentials.username)?.passwordHash === credentials.passwordHash) continue
      this.open.delete(client)
      client.close()
      closed += 1
    }
    return closed
  }
}
