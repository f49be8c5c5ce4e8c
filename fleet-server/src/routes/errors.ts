import Type, { type Static } from 'typebox'
import { ProductError } from '../../../protocols/errors.ts'

/** The body of every error the API answers. */
export const ErrorSchema = Type.Object({ error: Type.String(), message: Type.String() })
export type ErrorBody = Static<typeof ErrorSchema>

/** An error the API answers with its status and stable code; the app's error handler maps it. */
export class ApiError extends ProductError {
  constructor(readonly statusCode: number, readonly code: string, message: string) {
    super(message)
    this.name = 'ApiError'
  }
}

export const badRequest = (message: string) => new ApiError(400, 'BAD_REQUEST', message)
export const unauthorized = (message = 'sign in first: POST /api/login') => new ApiError(401, 'UNAUTHORIZED', message)
export const forbidden = (message: string) => new ApiError(403, 'FORBIDDEN', message)
/** also what a resource outside the caller's scope answers: its existence is not revealed */
export const notFound = (what: string) => new ApiError(404, 'NOT_FOUND', `${what} not found`)
export const gone = (message: string) => new ApiError(410, 'GONE', message)
export const unavailable = (message: string) => new ApiError(503, 'UNAVAILABLE', message)

/** What Ajv (verbose) reports of a failed keyword; the schema it failed in names what was expected. */
interface SchemaError {
  instancePath: string
  keyword: string
  params: Record<string, unknown>
  parentSchema?: { properties?: Record<string, unknown> }
}

/**
 * The 400 message of a request that fails its route's schema (`part`: body, querystring, params).
 * A field the schema does not declare is named with what the route takes — Fastify's own text says only
 * "must NOT have additional properties"; any other failure keeps Fastify's text (`body must have
 * required property 'password'`, `querystring/limit must be >= 1`).
 */
export function validationMessage(errors: readonly SchemaError[], part: string, route: string, fallback: string): string {
  const unknown = errors.find((e) => e.keyword === 'additionalProperties')
  if (unknown === undefined) return fallback
  const field = `${part}${unknown.instancePath}/${String(unknown.params.additionalProperty)}`
  const known = Object.keys(unknown.parentSchema?.properties ?? {})
  const what = part === 'querystring' ? 'parameter' : 'field'
  if (unknown.instancePath !== '') return `${field}: unknown ${what}; ${part}${unknown.instancePath} takes ${known.join(', ') || 'no fields'}`
  if (known.length > 0) return `${field}: unknown ${what}; ${part === 'body' ? 'the body' : route} takes ${known.join(', ')}`
  return `${field}: unknown ${what}; ${route} takes ${part === 'body' ? 'no body' : 'no query parameters'}`
}

const DESCRIPTIONS: Record<number, string> = {
  400: 'invalid request: the message names the field',
  401: 'no session, or it expired',
  403: 'the role may not do this',
  404: 'not found, or not in the caller\'s scope',
  409: 'conflicts with the current state',
  410: 'the token is unknown, used or expired',
  503: 'a dependency (the MQTT broker) is unavailable',
}

/** Response schemas for the error codes a route can answer. */
export function errorResponses(...codes: number[]) {
  return Object.fromEntries(codes.map((code) => [code, Type.Object(ErrorSchema.properties, { description: DESCRIPTIONS[code] ?? 'error' })]))
}
