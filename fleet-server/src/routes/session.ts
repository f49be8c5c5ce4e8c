import type { FastifyPluginAsync } from 'fastify'
import Type from 'typebox'
import { LoginBodySchema, LoginReplySchema, UserSchema } from '../api/schemas.ts'
import { clearedSessionCookie, logIn, logOut, sessionCookie, signedIn } from '../auth/index.ts'
import { SIGNED_IN, type RouteDeps } from './deps.ts'
import { errorResponses, unauthorized } from './errors.ts'
import type { TypeBoxProvider } from './type-provider.ts'

export const sessionRoutes: FastifyPluginAsync<RouteDeps> = async (app, deps) => {
  const api = app.withTypeProvider<TypeBoxProvider>()

  api.post('/api/login', {
    schema: {
      tags: ['session'],
      summary: 'sign in: answers a bearer token and sets the fleet_session cookie (HttpOnly, SameSite=Strict)',
      body: LoginBodySchema,
      response: { 200: LoginReplySchema, ...errorResponses(400, 401) },
    },
  }, async (request, reply) => {
    const session = await logIn(deps, request.body.name, request.body.password)
    if (!session) throw unauthorized('wrong user name or password')
    reply.header('set-cookie', sessionCookie(session.token, session.expiresAt - deps.clock()))
    return session
  })

  api.post('/api/logout', {
    schema: { tags: ['session'], summary: 'end the session (token and cookie)', security: SIGNED_IN, response: { 204: Type.Null({ description: 'signed out' }) } },
  }, async (request, reply) => {
    logOut(deps.store, request)
    reply.header('set-cookie', clearedSessionCookie())
    return reply.code(204).send(null)
  })

  api.get('/api/me', {
    schema: { tags: ['session'], summary: 'the signed-in user', security: SIGNED_IN, response: { 200: UserSchema, ...errorResponses(401) } },
  }, async (request) => signedIn(request).user)
}
