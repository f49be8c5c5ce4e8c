import type { FastifyRequest } from 'fastify'
import { ApiError } from './errors.ts'

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

/** The scheme, host and port of a URL, or undefined for one that does not parse (`null`, garbage). */
function originOf(url: string): string | undefined {
  try {
    const origin = new URL(url).origin
    return origin === 'null' ? undefined : origin
  } catch {
    return undefined
  }
}

/**
 * An onRequest hook against cross-site request forgery, SameSite=Strict's second line: a site on
 * another port of the same host is the same *site*, so the browser sends the session cookie along.
 * A state-changing request must come from this server's own origin — its `Origin`, or without one its
 * `Referer` — and carry JSON (a form can post text/plain or urlencoded without a preflight, never
 * application/json). A request with neither header is not a browser's (curl, an agent, a script with
 * a Bearer token: a browser sends Origin with every POST), so it passes; what it may do is its
 * session's business.
 */
export async function refuseCrossSiteWrites(request: FastifyRequest): Promise<void> {
  if (!STATE_CHANGING.has(request.method)) return
  const own = originOf(`${request.protocol}://${request.host}`)
  const { origin, referer } = request.headers
  const claimed = origin ?? referer
  if (claimed !== undefined && (own === undefined || originOf(claimed) !== own)) {
    throw new ApiError(403, 'CROSS_ORIGIN', `${request.method} from ${origin !== undefined ? 'Origin' : 'Referer'} ${claimed.slice(0, 100)} refused: state-changing requests come from this server's own pages (${own ?? 'its own origin'})`)
  }
  const type = request.headers['content-type']
  if (type !== undefined && !/^application\/json\s*(;|$)/iu.test(type)) {
    throw new ApiError(415, 'UNSUPPORTED_MEDIA_TYPE', `${request.method} takes a JSON body (Content-Type: application/json), got ${type.slice(0, 100)}`)
  }
}
