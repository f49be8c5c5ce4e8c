import { randomBytes } from 'node:crypto'
import { hashSecret } from '../mqtt/secrets.ts'
import type { FleetStore } from '../store/types.ts'
import type { Credentials } from '../../../edge-agent/src/uplink/index.ts'
import type { DemoFleet } from './fleet-schema.ts'

/** Enterprises, sites, gateways and users of the demo fleet, written into the store (passwords hashed). */
export async function seedStore(store: FleetStore, fleet: DemoFleet): Promise<void> {
  for (const enterprise of fleet.enterprises) store.upsertEnterprise(enterprise)
  for (const site of fleet.sites) {
    store.upsertSite({
      id: site.id, enterpriseId: site.enterprise, name: site.name, type: site.type,
      jurisdiction: site.jurisdiction, address: site.address, licenceNo: site.licenceNo,
    })
    store.upsertGateway({ id: site.gateway.id, siteId: site.id, ...(site.gateway.name !== undefined && { name: site.gateway.name }) })
  }
  for (const { password, ...user } of fleet.users) store.addUser({ ...user, passwordHash: await hashSecret(password) })
}

/**
 * What `POST /api/enroll` does for an installer's gateway, done directly: a fresh broker login per
 * gateway, only its hash stored. The password goes to the in-process agent and nowhere else.
 */
export async function enrolGateways(store: FleetStore, fleet: DemoFleet): Promise<Map<string, Credentials>> {
  const credentials = new Map<string, Credentials>()
  for (const { id: siteId, gateway } of fleet.sites) {
    const password = randomBytes(24).toString('base64url')
    store.setGatewayCredentials({ gatewayId: gateway.id, siteId, username: gateway.id, passwordHash: await hashSecret(password) })
    credentials.set(gateway.id, { username: gateway.id, password })
  }
  return credentials
}
