import type { RouteOptions } from 'fastify'
import Type from 'typebox'

/** What an /api route that declares no query string accepts: none. */
const NoQuerySchema = Type.Object({}, { additionalProperties: false })
/** What an /api POST that declares no body accepts: none, or {}. */
const NoBodySchema = Type.Unsafe<Record<string, never> | null>({
  type: 'object', nullable: true, properties: {}, additionalProperties: false, description: 'no body: send none, or {}',
})

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

/**
 * An onRoute hook: an /api route that declares no query string accepts none, a POST (PUT, PATCH,
 * DELETE) that declares no body accepts none or {}: a parameter or field sent to it answers 400 like
 * an unknown one anywhere else. (Added before swagger, so /docs shows what the route really takes.)
 */
export function closeUndeclaredInput(route: RouteOptions): void {
  if (!route.url.startsWith('/api/')) return
  const schema = (route.schema ??= {})
  schema.querystring ??= NoQuerySchema
  const methods = Array.isArray(route.method) ? route.method : [route.method]
  if (schema.body === undefined && methods.some((m) => BODY_METHODS.has(m))) schema.body = NoBodySchema
}
