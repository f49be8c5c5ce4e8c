import type { FastifyRequest, preHandlerAsyncHookHandler, RouteOptions } from 'fastify'
import { ProductError } from '../../../protocols/errors.ts'
import { roleWithArticle } from '../auth/index.ts'
import type { Role, Scope, User } from '../model/index.ts'
import { forbidden, unauthorized } from './errors.ts'

/**
 * Who may call an /api route, declared with the route (`config: { access }`), so the table of who may
 * call what reads where the routes are declared:
 * - 'public': anyone, without a session;
 * - 'signed-in': any signed-in user (what it sees is its scope);
 * - { roles, doing }: a signed-in user of one of `roles`; another role answers 403 "<a role> may not <doing>".
 * No session answers 401 either way. Checked after the request's schema (a malformed request answers 400 first).
 */
export type Access = 'public' | 'signed-in' | { roles: readonly Role[]; doing: string }

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access
  }
}

/** The session of a request to a route that requires one. */
export interface Session {
  user: User
  scope: Scope
}

/** OpenAPI: the routes that need a session accept either credential. */
export const SIGNED_IN: Array<Record<string, string[]>> = [{ bearer: [] }, { cookie: [] }]

export class AccessUndeclaredError extends ProductError {
  readonly code = 'ACCESS_UNDECLARED'
  constructor(route: string) {
    super(`${route} declares no access: add config: { access: 'public' | 'signed-in' | { roles, doing } }`)
    this.name = 'AccessUndeclaredError'
  }
}

/** The caller's session; 401 when there is none. What a handler reads once its route's access let the request in. */
export function sessionOf(request: FastifyRequest): Session {
  if (request.user === null || request.scope === null) throw unauthorized()
  return { user: request.user, scope: request.scope }
}

const accessCheck = (access: Exclude<Access, 'public'>): preHandlerAsyncHookHandler => async (request) => {
  const { user } = sessionOf(request)
  if (access !== 'signed-in' && !access.roles.includes(user.role)) throw forbidden(`${roleWithArticle(user.role)} may not ${access.doing}`)
}

/**
 * An onRoute hook: every /api route must declare its access (registering one that does not throws);
 * one that is not public gets the check as its first preHandler and, unless it says otherwise, the
 * session's security in the OpenAPI document.
 */
export function enforceAccess(route: RouteOptions): void {
  if (!route.url.startsWith('/api/')) return
  const access = route.config?.access
  if (access === undefined) throw new AccessUndeclaredError(`${String(route.method)} ${route.url}`)
  if (access === 'public') return
  const schema = (route.schema ??= {})
  schema.security ??= SIGNED_IN
  const own = route.preHandler === undefined ? [] : Array.isArray(route.preHandler) ? route.preHandler : [route.preHandler]
  route.preHandler = [accessCheck(access), ...own]
}
