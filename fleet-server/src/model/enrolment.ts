/** An unused, unexpired enrolment token as the store keeps it. */
export interface EnrollToken {
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
  | { reason: 'other-site'; gatewayId: string; siteId: string }
  | { reason: 'enrolled'; gatewayId: string }
  | { reason: 'replaces-another'; gatewayId: string; replaces: string }

/** What an enrolment did: the gateway's credentials set (replacing others when `replaced`), or why not. */
export type EnrolmentOutcome = { enrolled: true; replaced: boolean } | { enrolled: false; refusal: EnrolmentRefusal }

/**
 * May `token` enrol `gatewayId`? A token enrols only a gateway id without credentials, of its site;
 * a token minted to replace a gateway enrols only that one, whose credentials it then replaces.
 * Undefined: it may.
 */
export function enrolmentRefusal(token: EnrollToken | undefined, gatewayId: string, gateway: GatewayEnrolment | undefined): EnrolmentRefusal | undefined {
  if (token === undefined) return { reason: 'token-invalid' }
  if (token.replaces !== undefined && token.replaces !== gatewayId) return { reason: 'replaces-another', gatewayId, replaces: token.replaces }
  if (gateway === undefined) return undefined
  if (gateway.siteId !== token.siteId) return { reason: 'other-site', gatewayId, siteId: gateway.siteId }
  if (gateway.enrolled && token.replaces !== gatewayId) return { reason: 'enrolled', gatewayId }
  return undefined
}
