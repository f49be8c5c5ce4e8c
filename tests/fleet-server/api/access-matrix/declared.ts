import type { RouteOptions } from 'fastify'
import type { Access } from '../../../../fleet-server/src/routes/access.ts'

/**
 * The access each /api route declares (`config.access`), as the app registers it: the access-matrix
 * test wraps routes/access.ts enforceAccess (vi.mock) to call recordAccess first, so the matrix judges
 * every route by its own declaration, including one added after this test was written.
 */
export const declaredAccess = new Map<string, Access | undefined>()

/** "METHOD /path/{param}", as the OpenAPI document names a route */
export const routeKey = (method: string, url: string): string => `${method.toUpperCase()} ${url.replace(/:(\w+)/gu, '{$1}')}`

export function recordAccess(route: RouteOptions): void {
  if (!route.url.startsWith('/api/')) return
  for (const method of [route.method].flat()) {
    if (method !== 'HEAD') declaredAccess.set(routeKey(method, route.url), route.config?.access)
  }
}
