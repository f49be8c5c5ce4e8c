import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { SESSION_COOKIE, SESSION_TTL_MS } from '../defaults.ts'
import type { Scope, User } from '../model/index.ts'
import { hashSecret, verifySecret } from '../mqtt/secrets.ts'
import type { FleetStore } from '../store/types.ts'
import { scopeFor } from './scope.ts'
import { hashToken, newToken } from './tokens.ts'

export { roleWithArticle } from './scope.ts'
export { enrollSecretHash, hashToken, newToken } from './tokens.ts'

declare module 'fastify' {
  interface FastifyRequest {
    /** the signed-in user, from a Bearer token or the session cookie; null when there is none */
    user: User | null
    scope: Scope | null
  }
}

export interface AuthDeps {
  store: FleetStore
  clock: () => number
}

/** The session token a request carries: `Authorization: Bearer TOKEN`, else the session cookie. */
function sessionTokenOf(request: FastifyRequest): string | undefined {
  const bearer = /^Bearer\s+(\S+)\s*$/iu.exec(request.headers.authorization ?? '')
  if (bearer) return bearer[1]
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const [name, ...value] = part.trim().split('=')
    if (name === SESSION_COOKIE && value.length > 0) return decodeURIComponent(value.join('='))
  }
  return undefined
}

/**
 * Resolves the session of every request (on the root instance, so every route plugin sees
 * request.user); what a route requires of it is the route's declared access (routes/access.ts).
 */
export function installAuth(app: FastifyInstance, { store, clock }: AuthDeps): void {
  app.decorateRequest('user', null)
  app.decorateRequest('scope', null)
  app.addHook('onRequest', async (request) => {
    const token = sessionTokenOf(request)
    if (token === undefined) return
    const user = store.findSession(hashToken(token), clock())
    if (user) {
      request.user = user
      request.scope = scopeFor(user)
    }
  })
  app.addHook('onSend', async (request, reply) => {
    const cookies = reply.getHeader('set-cookie')
    if (request.protocol !== 'https' || cookies === undefined) return
    // reply.header appends to set-cookie rather than replacing it
    reply.removeHeader('set-cookie').header('set-cookie', secureSessionCookies(cookies))
  })
}

/** Over HTTPS the session cookie is `Secure`: a browser never sends it back over plain HTTP. */
function secureSessionCookies(header: NonNullable<ReturnType<FastifyReply['getHeader']>>): string[] {
  const cookies = Array.isArray(header) ? header : [String(header)]
  return cookies.map((cookie) => (cookie.startsWith(`${SESSION_COOKIE}=`) && !/;\s*Secure\b/iu.test(cookie) ? `${cookie}; Secure` : cookie))
}

let dummyHash: Promise<string> | undefined

/**
 * Checks the password and opens a session. An unknown user costs the same scrypt work as a known
 * one, so the answer time does not tell which names exist.
 */
export async function logIn({ store, clock }: AuthDeps, name: string, password: string): Promise<{ token: string; user: User; expiresAt: number } | undefined> {
  const record = store.findUser(name)
  dummyHash ??= hashSecret(newToken())
  const hash = record?.passwordHash ?? (await dummyHash)
  const ok = await verifySecret(password, hash)
  if (!record || !ok) return undefined
  const { passwordHash: _hash, ...user } = record
  const token = newToken()
  const expiresAt = clock() + SESSION_TTL_MS
  store.createSession(hashToken(token), user.name, expiresAt)
  return { token, user, expiresAt }
}

export function logOut(store: FleetStore, request: FastifyRequest): void {
  const token = sessionTokenOf(request)
  if (token !== undefined) store.deleteSession(hashToken(token))
}

/** HttpOnly and SameSite=Strict: scripts cannot read it and other sites cannot send it. */
export function sessionCookie(token: string, maxAgeMs: number): string {
  return `${SESSION_COOKIE}=${encodeURIComponent(token)}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${Math.max(0, Math.floor(maxAgeMs / 1000))}`
}

export const clearedSessionCookie = (): string => `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0`
