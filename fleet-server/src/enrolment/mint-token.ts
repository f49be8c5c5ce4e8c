import { hashToken, newShortCode, newToken, shortCodeOf } from '../auth/tokens.ts'
import { enrollTokenId, replacementRefusal, type ReplacementRefusal } from '../model/enrolment.ts'
import type { FleetStore } from '../store/types.ts'

export interface MintRequest {
  siteId: string
  /** how long the token stays valid */
  hours: number
  /** the enrolled gateway of the site whose credentials the token replaces */
  replaces?: string | undefined
  /** who the audit log names: a user, or cli:<os user> */
  actor: string
}

/** A minted token: the secrets are here once, the store keeps only their hashes. */
export interface MintedToken {
  token: string
  /** the same token as a person types it: XXXX-XXXX-XXXX-XXXX */
  shortCode: string
  /** how the audit log names it (enrollTokenId) */
  tokenId: string
  siteId: string
  expiresAt: number
  replaces?: string
}

export type MintRefusal = { reason: 'no-such-site'; siteId: string } | ReplacementRefusal

/**
 * Mints a one-time enrolment token for a gateway of `siteId` (fleet-server enroll-token and
 * POST /api/sites/{id}/enroll-tokens): the site must exist and a replaced gateway be one of its own.
 * Stores the hashes of the token and its short code, and records the mint in the audit log.
 * The caller has checked that the actor may mint for the site.
 */
export function mintEnrollToken(store: FleetStore, request: MintRequest, now: number): { minted: MintedToken } | { refusal: MintRefusal } {
  const { siteId, hours, replaces, actor } = request
  if (!store.getSite({ role: 'admin' }, siteId)) return { refusal: { reason: 'no-such-site', siteId } }
  if (replaces !== undefined) {
    const refusal = replacementRefusal(siteId, replaces, store.gatewayEnrolment(replaces))
    if (refusal) return { refusal }
  }
  const token = newToken()
  const shortCode = newShortCode()
  const tokenHash = hashToken(token)
  const expiresAt = now + hours * 3_600_000
  store.createEnrollToken(tokenHash, siteId, expiresAt, replaces, hashToken(shortCodeOf(shortCode)!))
  const tokenId = enrollTokenId(tokenHash)
  store.audit.record({
    actor, action: 'enroll-token-mint', siteId, subject: tokenId,
    detail: { expiresAt: new Date(expiresAt).toISOString(), replaces: replaces ?? null },
  })
  return { minted: { token, shortCode, tokenId, siteId, expiresAt, ...(replaces !== undefined && { replaces }) } }
}
