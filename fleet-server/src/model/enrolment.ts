/** An unused, unexpired enrolment token as the store keeps it. */
export interface EnrollToken {
  /** the hash the token is stored under, also when it was presented by its short code */
  tokenHash: string
  siteId: string
  /** minted with `enroll-token --replace GATEWAY`: it enrols only that gateway, whose credentials it replaces */
  replaces?: string
}

/** What the store knows of a gateway id when a token is presented for it. */
export interface GatewayEnrolment {
  siteId: string
  /** it has credentials (enrolled and not revoked) */
  enrolled: boolean
}

/** Why a token may not enrol a gateway id; nothing is written and the token stays usable (a used or expired one aside). */
export type EnrolmentRefusal =
  | { reason: 'token-invalid' }
  | { reason: 'wrong-site'; tokenSiteId: string; expectedSiteId: string }
  | { reason: 'other-site'; gatewayId: string; siteId: string }
  | { reason: 'enrolled'; gatewayId: string }
  | { reason: 'replaces-another'; gatewayId: string; replaces: string }

/** What an enrolment did: the gateway's credentials set (replacing others when `replaced`), or why not. */
export type EnrolmentOutcome = { enrolled: true; replaced: boolean } | { enrolled: false; refusal: EnrolmentRefusal }

/**
 * May `token` enrol `gatewayId`? A token enrols only a gateway id without credentials, of its site;
 * a token minted to replace a gateway enrols only that one, whose credentials it then replaces.
 * `expectedSiteId`: the site the gateway's config names (edge-agent provision sends it); a token of
 * another site is refused before anything else is looked at. Undefined: it may.
 */
export function enrolmentRefusal(token: Omit<EnrollToken, 'tokenHash'> | undefined, gatewayId: string, gateway: GatewayEnrolment | undefined, expectedSiteId?: string): EnrolmentRefusal | undefined {
  if (token === undefined) return { reason: 'token-invalid' }
  if (expectedSiteId !== undefined && expectedSiteId !== token.siteId) return { reason: 'wrong-site', tokenSiteId: token.siteId, expectedSiteId }
  if (token.replaces !== undefined && token.replaces !== gatewayId) return { reason: 'replaces-another', gatewayId, replaces: token.replaces }
  if (gateway === undefined) return undefined
  if (gateway.siteId !== token.siteId) return { reason: 'other-site', gatewayId, siteId: gateway.siteId }
  if (gateway.enrolled && token.replaces !== gatewayId) return { reason: 'enrolled', gatewayId }
  return undefined
}

/** Why a token for `siteId` may not be minted to replace the gateway `replaces`. */
export type ReplacementRefusal =
  | { reason: 'no-such-gateway'; gatewayId: string }
  | { reason: 'gateway-of-other-site'; gatewayId: string; siteId: string }

/**
 * May a token of `siteId` be minted to replace the credentials of `replaces` (what the store knows of
 * it: `gateway`)? It must be a gateway of that site. Undefined: it may.
 */
export function replacementRefusal(siteId: string, replaces: string, gateway: GatewayEnrolment | undefined): ReplacementRefusal | undefined {
  if (gateway === undefined) return { reason: 'no-such-gateway', gatewayId: replaces }
  if (gateway.siteId !== siteId) return { reason: 'gateway-of-other-site', gatewayId: replaces, siteId: gateway.siteId }
  return undefined
}

/**
 * How the audit log and the server's log name an enrolment token: the first 8 hex digits of its
 * hash, which reveal nothing of the token (and nothing usable of its hash).
 */
export const enrollTokenId = (tokenHash: string): string => tokenHash.slice(0, 8)
