import type { FastifyPluginAsync } from 'fastify'
import Type from 'typebox'
import { clearedSessionCookie, logIn, logOut, sessionCookie } from '../auth/index.ts'
import { UserSchema } from '../model/index.ts'
import { sessionOf, SIGNED_IN } from './access.ts'
import type { RouteDeps } from './deps.ts'
import { SignInThrottle } from '../mqtt/sign-in-throttle.ts'
import { ApiError, errorResponses, unauthorized } from './errors.ts'
import { LoginBodySchema, LoginReplySchema, ThrottledReplySchema } from './session.schema.ts'
import type { TypeBoxProvider } from './type-provider.ts'

export const sessionRoutes: FastifyPluginAsync<RouteDeps> = async (app, deps) => {
  const api = app.withTypeProvider<TypeBoxProvider>()
  const signIns = new SignInThrottle(deps.signInPolicy)

  api.post('/api/login', {
    config: { access: 'public' },
    schema: {
      tags: ['session'],
      summary: 'sign in: answers a bearer token and sets the fleet_session cookie (HttpOnly, SameSite=Strict)',
      body: LoginBodySchema,
      response: { 200: LoginReplySchema, ...errorResponses(400, 401), 429: ThrottledReplySchema },
    },
  }, async (request, reply) => {
    const attempt = signIns.begin(request.body.name, request.ip, deps.clock())
    if (!attempt.allowed) {
      const seconds = Math.ceil(attempt.retryAfterMs / 1000)
      reply.header('retry-after', String(seconds))
      throw new ApiError(429, 'SIGN_IN_THROTTLED', `too many failed logins for this user or from this address; try again in ${seconds} s`)
    }
    let session: Awaited<ReturnType<typeof logIn>>
    try {
      session = await logIn(deps, request.body.name, request.body.password)
    } finally {
      attempt.end(session !== undefined, deps.clock())
    }
    if (!session) {
      deps.store.audit.record({ actor: 'anonymous', action: 'login-failed', subject: request.body.name, detail: { address: request.ip } })
      throw unauthorized('wrong user name or password')
    }
    deps.store.audit.record({ actor: session.user.name, action: 'login', subject: session.user.name, detail: { address: request.ip } })
    reply.header('set-cookie', sessionCookie(session.token, session.expiresAt - deps.clock()))
    return session
  })

  // anyone may sign out: a request without a (valid) session ends nothing and still clears the cookie
  api.post('/api/logout', {
    config: { access: 'public' },
    schema: { tags: ['session'], summary: 'end the session (token and cookie)', security: SIGNED_IN, response: { 204: Type.Null({ description: 'signed out' }) } },
  }, async (request, reply) => {
    logOut(deps.store, request)
    reply.header('set-cookie', clearedSessionCookie())
    return reply.code(204).send(null)
  })

  api.get('/api/me', {
    config: { access: 'signed-in' },
    schema: { tags: ['session'], summary: 'the signed-in user', response: { 200: UserSchema, ...errorResponses(401) } },
  }, async (request) => sessionOf(request).user)
}
