import type { FastifyPluginAsync, FastifyRequest } from 'fastify'
import QRCode from 'qrcode'
import { ENROLL_TOKEN_HOURS } from '../defaults.ts'
import { mintEnrollToken, type MintRefusal } from '../enrolment/mint-token.ts'
import { sessionOf } from './access.ts'
import type { RouteDeps } from './deps.ts'
import { EnrollTokenBodySchema, EnrollTokenParamsSchema, EnrollTokenReplySchema } from './enroll-tokens.schema.ts'
import { ApiError, badRequest, errorResponses, notFound } from './errors.ts'
import type { TypeBoxProvider } from './type-provider.ts'

/** Where the installer's provision command writes the gateway's config (the agent's usual place). */
const GATEWAY_CONFIG_FILE = '/etc/edge-agent/gateway.yaml'

/**
 * An installer of the site (or an admin) mints a one-time enrolment token, as `fleet-server
 * enroll-token` does: answered once with its short code and a QR code of the provision command for a
 * phone; only hashes are kept. Another role answers 403, a site outside the caller's scope 404.
 */
export const enrollTokenRoutes: FastifyPluginAsync<RouteDeps> = async (app, { store, clock, publicUrl }) => {
  app.withTypeProvider<TypeBoxProvider>().post('/api/sites/:id/enroll-tokens', {
    config: { access: { roles: ['installer', 'admin'], doing: 'mint enrolment tokens' } },
    schema: {
      tags: ['gateways'],
      summary: 'mint a one-time enrolment token for a gateway of the site',
      description: 'For an installer assigned to the site, or an admin. The token (and its short code, the same token for a person to type) is answered once; '
        + 'the server keeps only their hashes. With `replace`, the token enrols only that gateway of the site and replaces its credentials. '
        + 'The mint is recorded in the audit log (enroll-token-mint, the token named by its id).',
      params: EnrollTokenParamsSchema,
      body: EnrollTokenBodySchema,
      response: { 201: EnrollTokenReplySchema, ...errorResponses(400, 401, 403, 404) },
    },
  }, async (request, reply) => {
    const { id } = request.params
    const session = sessionOf(request)
    if (!store.getSite(session.scope, id)) throw notFound(`site ${id}`)
    const { hours = ENROLL_TOKEN_HOURS, replace } = request.body
    const outcome = mintEnrollToken(store, { siteId: id, hours, replaces: replace, actor: session.user.name }, clock())
    if ('refusal' in outcome) throw refusedAs(outcome.refusal)
    const { token, shortCode, tokenId, siteId, expiresAt, replaces } = outcome.minted
    const provisionCommand = `edge-agent provision --server ${publicUrl ?? serverUrlOf(request)} --token ${token} --config ${GATEWAY_CONFIG_FILE}`
    request.log.info({ siteId, tokenId, replaces }, 'enrolment token minted')
    return reply.code(201).send({
      token, shortCode, tokenId, expiresAt: new Date(expiresAt).toISOString(), siteId, ...(replaces !== undefined && { replaces }),
      provisionCommand, qrSvg: await QRCode.toString(provisionCommand, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 }),
    })
  })
}

/** The server's URL as the caller reached it (unless `start --public-url` says otherwise): a gateway on the same network reaches it the same way. */
const serverUrlOf = (request: FastifyRequest): string => `${request.protocol}://${request.host}`

/** Whether the gateway is elsewhere or nowhere is not told apart: an installer learns nothing of other sites. */
function refusedAs(refusal: MintRefusal): ApiError {
  switch (refusal.reason) {
    case 'no-such-site': return notFound(`site ${refusal.siteId}`)
    case 'no-such-gateway':
    case 'gateway-of-other-site': return badRequest(`body/replace: no gateway ${refusal.gatewayId} on this site; name a gateway of the site whose credentials the token replaces`)
  }
}
