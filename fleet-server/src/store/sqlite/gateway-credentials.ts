import type Database from 'better-sqlite3'
import { enrolmentRefusal, type EnrolmentOutcome, type EnrollToken, type GatewayEnrolment } from '../../model/enrolment.ts'
import type { GatewayCredentials } from '../types.ts'

/** Told the id of a gateway whose credentials were revoked or replaced in this process: its sessions must end. */
type CredentialsRevokedListener = (gatewayId: string) => void

/**
 * Enrolment tokens and gateway credentials. The database is the source of truth for who may sign in
 * (the embedded broker reads it at every CONNECT); listeners in the same process learn at once when
 * credentials are revoked or replaced.
 */
export class GatewayCredentialRecords {
  private readonly listeners = new Set<CredentialsRevokedListener>()

  constructor(private readonly db: Database.Database, private readonly setGatewayCredentials: (credentials: GatewayCredentials) => void) {}

  createEnrollToken(tokenHash: string, siteId: string, expiresAt: number, replaces?: string, shortCodeHash?: string): void {
    this.db.prepare('INSERT INTO enroll_tokens (token_hash, site_id, expires_at, replaces, short_code_hash) VALUES (?, ?, ?, ?, ?)')
      .run(tokenHash, siteId, expiresAt, replaces ?? null, shortCodeHash ?? null)
  }

  /** the token when it is unused and unexpired, by the hash of the token or of its short code; reading it does not use it up */
  enrollToken(secretHash: string, now: number): EnrollToken | undefined {
    const row = this.db.prepare('SELECT token_hash, site_id, replaces FROM enroll_tokens WHERE (token_hash = ? OR short_code_hash = ?) AND used_by IS NULL AND expires_at > ?')
      .get(secretHash, secretHash, now) as { token_hash: string; site_id: string; replaces: string | null } | undefined
    return row && { tokenHash: row.token_hash, siteId: row.site_id, ...(row.replaces !== null && { replaces: row.replaces }) }
  }

  gatewayEnrolment(gatewayId: string): GatewayEnrolment | undefined {
    const row = this.db.prepare('SELECT site_id, password_hash IS NOT NULL AS enrolled FROM gateways WHERE id = ?').get(gatewayId) as { site_id: string; enrolled: number } | undefined
    return row && { siteId: row.site_id, enrolled: row.enrolled === 1 }
  }

  /**
   * In one transaction: the token checked again (another request may have used it meanwhile), the
   * gateway's credentials set and the token marked used by it. A refusal writes nothing.
   */
  enrollGateway(tokenHash: string, credentials: GatewayCredentials, now: number): EnrolmentOutcome {
    const outcome = this.db.transaction((): EnrolmentOutcome => {
      const token = this.enrollToken(tokenHash, now)
      const refusal = enrolmentRefusal(token, credentials.gatewayId, this.gatewayEnrolment(credentials.gatewayId))
      if (refusal) return { enrolled: false, refusal }
      const replaced = this.gatewayEnrolment(credentials.gatewayId)?.enrolled === true
      this.setGatewayCredentials(credentials)
      this.db.prepare('UPDATE enroll_tokens SET used_by = ?, used_at = ? WHERE token_hash = ?').run(credentials.gatewayId, now, tokenHash)
      return { enrolled: true, replaced }
    })()
    if (outcome.enrolled && outcome.replaced) this.revoked(credentials.gatewayId)
    return outcome
  }

  /** Forgets the gateway's credentials: nobody signs in with them again. False when the gateway is unknown. */
  revokeGatewayCredentials(gatewayId: string): boolean {
    const changed = this.db.prepare('UPDATE gateways SET username = NULL, password_hash = NULL WHERE id = ?').run(gatewayId).changes > 0
    if (changed) this.revoked(gatewayId)
    return changed
  }

  /** Calls `listener` with the id of each gateway whose credentials this process revokes or replaces; returns the unsubscribe. */
  onCredentialsRevoked(listener: CredentialsRevokedListener): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  private revoked(gatewayId: string): void {
    for (const listener of this.listeners) listener(gatewayId)
  }
}
