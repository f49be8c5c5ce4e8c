import { randomBytes } from 'node:crypto'
import { hashSecret } from '../mqtt/secrets.ts'
import type { FleetStore, SiteInput } from '../store/types.ts'
import type { Credentials } from '../../../edge-agent/src/index.ts'
import type { DemoFleet } from './fleet-schema.ts'
import { generateSigningKey } from '../../../protocols/commissioning/index.ts'
import { addDays, localDay } from '../../../protocols/calendar/index.ts'

export interface SeedOptions {
  /** the day the demo starts (YYYY-MM-DD, Asia/Shanghai): rulesFromDaysAgo and daysAgo count back from it */
  today?: string
  /** createdAt of the commissioning records */
  now?: number
}

/**
 * Enterprises, sites (with the date the plan's rules apply to each and whether a petrol station is in
 * town near homes), gateways, users (passwords hashed) and the commissioning records of the demo fleet,
 * written into the store.
 */
export async function seedStore(store: FleetStore, fleet: DemoFleet, options: SeedOptions = {}): Promise<void> {
  const now = options.now ?? Date.now()
  const today = options.today ?? localDay(now)
  const daysAgo = (days: number) => addDays(today, -days)
  for (const enterprise of fleet.enterprises) store.upsertEnterprise(enterprise)
  for (const site of fleet.sites) {
    const rulesFrom = site.rulesFrom ?? (site.rulesFromDaysAgo !== undefined ? daysAgo(site.rulesFromDaysAgo) : undefined)
    const input: SiteInput & { rulesFrom?: string; inTownNearHomes?: boolean } = {
      id: site.id, enterpriseId: site.enterprise, name: site.name, type: site.type,
      jurisdiction: site.jurisdiction, address: site.address, licenceNo: site.licenceNo,
      ...(rulesFrom !== undefined && { rulesFrom }), ...(site.inTownNearHomes !== undefined && { inTownNearHomes: site.inTownNearHomes }),
    }
    store.upsertSite(input)
    store.upsertGateway({ id: site.gateway.id, siteId: site.id, ...(site.gateway.name !== undefined && { name: site.gateway.name }) })
  }
  for (const { password, ...user } of fleet.users) store.addUser({ ...user, passwordHash: await hashSecret(password) })
  for (const site of fleet.sites) {
    for (const record of site.commissioning ?? []) {
      store.addCommissioning({
        siteId: site.id, system: record.system, commissionedOn: record.commissionedOn ?? daysAgo(record.daysAgo ?? 0),
        by: record.by ?? 'installer', createdAt: now, accepted: record.accepted ?? true,
        ...(record.devices !== undefined && { devices: record.devices }), ...(record.note !== undefined && { note: record.note }),
      })
    }
  }
}

/** What a demo gateway gets at enrolment: its broker login and the private half of its signing key. */
export interface DemoEnrolment {
  credentials: Credentials
  /** Ed25519, PEM: signs its commissioning runs; the server keeps the public key */
  signingKeyPem: string
}

/**
 * What `edge-agent provision` and `POST /api/enroll` do for an installer's gateway, done directly: a
 * fresh broker login per gateway (only its hash stored) and a fresh signing key (its public key
 * registered). The password and the private key go to the in-process agent and nowhere else.
 */
export async function enrolGateways(store: FleetStore, fleet: DemoFleet): Promise<Map<string, DemoEnrolment>> {
  const enrolments = new Map<string, DemoEnrolment>()
  for (const { id: siteId, gateway } of fleet.sites) {
    const password = randomBytes(24).toString('base64url')
    const { privateKeyPem, publicKey } = generateSigningKey()
    store.setGatewayCredentials({ gatewayId: gateway.id, siteId, username: gateway.id, passwordHash: await hashSecret(password), signingKey: publicKey })
    enrolments.set(gateway.id, { credentials: { username: gateway.id, password }, signingKeyPem: privateKeyPem })
  }
  return enrolments
}
