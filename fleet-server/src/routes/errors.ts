import Type from 'typebox'
import { ErrorSchema } from '../api/schemas.ts'

/** An error the API answers with its status and stable code; the app's error handler maps it. */
export class ApiError extends Error {
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
