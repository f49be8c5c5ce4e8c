import { resolve } from 'node:path'
import helmet from '@fastify/helmet'
import fastifyStatic from '@fastify/static'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest, type FastifyServerOptions } from 'fastify'
import { installAuth } from './auth/index.ts'
import type { Catalog } from './compliance/catalog-schema.ts'
import { loadCatalog } from './compliance/catalog.ts'
import { enforceAccess } from './routes/access.ts'
import { alarmRoutes } from './routes/alarms.ts'
import { auditRoutes } from './routes/audit.ts'
import { closeUndeclaredInput } from './routes/closed-input.ts'
import { commissioningRunRoutes } from './routes/commissioning-runs.ts'
import { complianceRoutes } from './routes/compliance.ts'
import type { CommandPort, RouteDeps } from './routes/deps.ts'
import { enrollRoutes } from './routes/enroll.ts'
import { enrollTokenRoutes } from './routes/enroll-tokens.ts'
import { ApiError, validationMessage } from './routes/errors.ts'
import { gatewayRoutes } from './routes/gateways.ts'
import type { Health } from './routes/health.schema.ts'
import { healthRoutes } from './routes/health.ts'
import { installerRoutes } from './routes/installer.ts'
import { reportRoutes } from './routes/reports.ts'
import { refuseCrossSiteWrites } from './routes/same-origin.ts'
import { seriesRoutes } from './routes/series.ts'
import { sessionRoutes } from './routes/session.ts'
import { siteRoutes } from './routes/sites.ts'
import type { FleetStore } from './store/types.ts'
import { SIGN_IN_THROTTLE } from './defaults.ts'
import type { SignInPolicy } from './mqtt/sign-in-throttle.ts'

export type { CommandPort } from './routes/deps.ts'

export interface AppOptions {
  store: FleetStore
  commands: CommandPort
  health: () => Health
  /** the dashboard's static files, served at / */
  webRoot?: string
  /** the broker URL handed to enrolling gateways; default the one health() reports */
  mqttUrl?: string
  /** the URL gateways reach this server at, for the provision command of an enrolment token; default the request's own */
  publicUrl?: string
  /** fastify's logger options, or a pino logger to use as is */
  logger?: FastifyServerOptions['logger'] | FastifyBaseLogger
  clock?: () => number
  /** the regulation catalog; default seeds/regulations.yaml, loaded (and checked) once here */
  catalog?: Catalog
  /** failed logins slow down, then lock; default SIGN_IN_THROTTLE */
  signInPolicy?: SignInPolicy
  /** serve HTTPS with this certificate and key (PEM); without it plain HTTP */
  https?: { cert: Buffer; key: Buffer }
}

/**
 * The dashboard is ES modules and a stylesheet served from here (no CDN, no inline script or
 * style), so its pages need nothing but their own origin; nobody may frame them.
 */
const CONTENT_SECURITY_POLICY = {
  'default-src': ["'self'"], 'script-src': ["'self'"], 'script-src-attr': ["'none'"], 'style-src': ["'self'"],
  'img-src': ["'self'", 'data:'], 'connect-src': ["'self'"], 'font-src': ["'self'"], 'object-src': ["'none'"],
  'base-uri': ["'self'"], 'form-action': ["'self'"], 'frame-ancestors': ["'none'"],
}

const API_VERSION = '1.0.0'

/** The fleet server's HTTP app, not listening: server.ts listens, tests inject(). */
export async function buildApp(opts: AppOptions): Promise<FastifyInstance> {
  const logger = opts.logger ?? false
  // Fastify's Ajv by default removes the fields a schema does not declare (removeAdditional): a body or
  // query field the route does not know would be dropped silently. Kept, it fails additionalProperties:
  // false and answers 400 naming it; verbose lets the message say what the route takes instead.
  const ajv = { customOptions: { removeAdditional: false, verbose: true } } as const
  const https = opts.https ?? null
  const app = isLoggerInstance(logger) ? Fastify({ loggerInstance: logger, ajv, https }) : Fastify({ logger, ajv, https })
  const deps: RouteDeps = {
    store: opts.store,
    commands: opts.commands,
    health: opts.health,
    clock: opts.clock ?? Date.now,
    mqttUrl: () => opts.mqttUrl ?? opts.health().mqtt.url,
    ...(opts.publicUrl !== undefined && { publicUrl: opts.publicUrl }),
    catalog: opts.catalog ?? loadCatalog(),
    signInPolicy: opts.signInPolicy ?? SIGN_IN_THROTTLE,
  }

  app.setErrorHandler(errorHandler)
  app.setNotFoundHandler((request, reply) => {
    reply.code(404).send({ error: 'NOT_FOUND', message: `${request.method} ${request.url.split('?')[0]} not found` })
  })
  await app.register(helmet, {
    contentSecurityPolicy: { useDefaults: false, directives: CONTENT_SECURITY_POLICY },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'same-origin' },
    // over plain HTTP (the loopback demo) HSTS means nothing, and a later HTTPS-less start would be locked out
    strictTransportSecurity: https !== null,
  })
  app.addHook('onRequest', refuseCrossSiteWrites)
  installAuth(app, deps)
  // both before swagger's own onRoute, so /docs shows what each route takes and who may call it
  app.addHook('onRoute', closeUndeclaredInput)
  app.addHook('onRoute', enforceAccess)

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'Fleet server API', version: API_VERSION, description: 'Sites, gateways, devices, alarms, enrolment and compliance of the safety monitoring fleet. Times are epoch milliseconds UTC.' },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'the token POST /api/login answers' },
          cookie: { type: 'apiKey', in: 'cookie', name: 'fleet_session' },
        },
      },
    },
  })
  // Swagger UI sets its own policy on its pages (helmet's would not know its hashes); not upgrading requests to HTTPS, as above
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true, transformStaticCSP: (policy) => policy.replace(/\s*upgrade-insecure-requests;?/u, '') })

  for (const routes of [healthRoutes, sessionRoutes, siteRoutes, alarmRoutes, seriesRoutes, enrollRoutes, enrollTokenRoutes, gatewayRoutes, installerRoutes, complianceRoutes]) await app.register(routes, deps)
  await app.register(reportRoutes, deps)
  await app.register(auditRoutes, deps)
  await app.register(commissioningRunRoutes, deps)
  if (opts.webRoot !== undefined) await app.register(fastifyStatic, { root: resolve(opts.webRoot), index: 'index.html' })
  return app
}

const isLoggerInstance = (logger: unknown): logger is FastifyBaseLogger =>
  typeof logger === 'object' && logger !== null && typeof (logger as { child?: unknown }).child === 'function'

/** One place maps errors to answers: validation 400 naming the field, ApiError its code, 5xx hidden and logged. */
function errorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  if (error.validation) {
    const route = `${request.method} ${(request.routeOptions.url ?? request.url).replace(/:(\w+)/gu, '{$1}')}`
    return reply.code(400).send({ error: 'VALIDATION', message: validationMessage(error.validation, error.validationContext ?? 'request', route, error.message) })
  }
  if (error instanceof ApiError) {
    return reply.code(error.statusCode).send({ error: error.code, message: error.message })
  }
  const status = error.statusCode ?? 500
  if (status >= 400 && status < 500) {
    return reply.code(status).send({ error: error.code ?? 'BAD_REQUEST', message: error.message })
  }
  request.log.error({ err: error }, 'request failed')
  return reply.code(500).send({ error: 'INTERNAL', message: 'internal server error; the server log has the details' })
}
