import type { InjectOptions } from 'fastify'
import { localDay } from '../../../../protocols/calendar/index.ts'
import type { TenantIds } from './world.ts'

/**
 * Requests built from the OpenAPI document alone: each route's path, query and body filled from its
 * schemas, every value that names a tenant's resource taken from the tenant asked for. A route added
 * later is built the same way; a parameter this cannot fill fails loudly instead of going unprobed.
 */

interface JsonSchema {
  type?: string | string[]
  properties?: Record<string, JsonSchema>
  required?: string[]
  items?: JsonSchema
  enum?: unknown[]
  const?: unknown
  default?: unknown
  examples?: unknown[]
  example?: unknown
  anyOf?: JsonSchema[]
  oneOf?: JsonSchema[]
  allOf?: JsonSchema[]
  pattern?: string
  format?: string
  minLength?: number
  minimum?: number
  minItems?: number
  nullable?: boolean
}

interface Parameter { in: string; name: string; required?: boolean; schema?: JsonSchema }
interface Operation { parameters?: Parameter[]; requestBody?: { content?: Record<string, { schema?: JsonSchema }> }; security?: unknown[] }
export interface OpenApiDocument { paths: Record<string, Record<string, Operation>> }

export interface Route { method: string; path: string; operation: Operation }

const METHODS = new Set(['get', 'post', 'put', 'patch', 'delete'])

export function routesOf(doc: OpenApiDocument): Route[] {
  return Object.entries(doc.paths).flatMap(([path, operations]) =>
    Object.entries(operations).filter(([method]) => METHODS.has(method)).map(([method, operation]) => ({ method: method.toUpperCase(), path, operation })))
}

export class UnfillableParameterError extends Error {
  constructor(route: Route, name: string) {
    super(`${route.method} ${route.path}: cannot fill the path parameter {${name}} — name it after its resource (siteId, gatewayId, enterpriseId, alarmId, commandId, ` +
      'commissioningId, deviceId, runId), or use {id} after the collection (/sites/{id}, /gateways/{id}, …); the access matrix then probes it')
    this.name = 'UnfillableParameterError'
  }
}

/** The collection a path segment names, to the resource its {id} is. */
const COLLECTIONS: Record<string, keyof TenantIds> = {
  sites: 'siteId', enterprises: 'enterpriseId', gateways: 'gatewayId', devices: 'deviceId', alarms: 'alarmId',
  commands: 'commandId', commissioning: 'commissioningId', jurisdictions: 'jurisdiction',
}

/** A field or parameter that names a tenant's resource by its own name. */
const TENANT_FIELDS: Record<string, keyof TenantIds> = {
  siteId: 'siteId', site: 'siteId', enterpriseId: 'enterpriseId', enterprise: 'enterpriseId', jurisdiction: 'jurisdiction',
  gatewayId: 'gatewayId', gateway: 'gatewayId', replace: 'gatewayId', deviceId: 'deviceId', device: 'deviceId', alarmId: 'alarmId',
  commandId: 'commandId', commissioningId: 'commissioningId', recordId: 'commissioningId', runId: 'runId',
}

/** Values of the fleet's vocabulary a field needs to be valid, that a schema states only in words. */
const VOCABULARY: Record<string, unknown> = { system: 'monitoring', channel: 'ch4' }

function tenantFieldOf(route: Route, name: string): keyof TenantIds | undefined {
  if (name in TENANT_FIELDS) return TENANT_FIELDS[name]
  if (name !== 'id') return undefined
  const segments = route.path.split('/')
  const collection = segments[segments.indexOf('{id}') - 1] ?? ''
  return COLLECTIONS[collection]
}

export interface Probe {
  request: InjectOptions & { method: string; url: string }
  /** the fields and parameters the request filled with a tenant's ids */
  tenantFields: Array<{ name: string; inPath: boolean }>
  /** every string the request itself carries: an answer echoing one reveals nothing */
  echoes: string
}

/**
 * The request of `route`, each value that names a tenant's resource taken from `idsFor` the field's
 * name. `optional`: also the optional fields that name one (a list's siteId filter); without it, only
 * what the schema requires.
 */
export function probe(route: Route, idsFor: (name: string) => TenantIds, now: number, optional: boolean): Probe {
  const filler = new Filler(route, idsFor, now)
  let path = route.path
  const query = new URLSearchParams()
  for (const parameter of route.operation.parameters ?? []) {
    const field = tenantFieldOf(route, parameter.name)
    if (parameter.in === 'path') {
      if (field === undefined) throw new UnfillableParameterError(route, parameter.name)
      path = path.replace(`{${parameter.name}}`, encodeURIComponent(String(idsFor(parameter.name)[field])))
      filler.tenantFields.push({ name: parameter.name, inPath: true })
    } else if (parameter.in === 'query') {
      if (!parameter.required && !(optional && field !== undefined)) continue
      query.set(parameter.name, String(filler.value(parameter.name, parameter.schema ?? {})))
    }
  }
  const url = query.size > 0 ? `${path}?${query}` : path
  const request: Probe['request'] = { method: route.method, url }
  const body = route.operation.requestBody?.content?.['application/json']?.schema
  if (body !== undefined) request.payload = filler.value('', body, optional) as object
  else if (route.method !== 'GET' && route.method !== 'DELETE') request.payload = {}
  return { request, tenantFields: filler.tenantFields, echoes: `${decodeURIComponent(url)} ${JSON.stringify(request.payload ?? null)}` }
}

class Filler {
  readonly tenantFields: Probe['tenantFields'] = []

  constructor(private readonly route: Route, private readonly idsFor: (name: string) => TenantIds, private readonly now: number) {}

  value(name: string, schema: JsonSchema, optional = false): unknown {
    const field = tenantFieldOf(this.route, name)
    if (field !== undefined) {
      this.tenantFields.push({ name, inPath: false })
      const id = this.idsFor(name)[field]
      return typeOf(schema) === 'integer' || typeOf(schema) === 'number' ? Number(id) : id
    }
    if (name in VOCABULARY) return VOCABULARY[name]
    if (schema.default !== undefined) return schema.default
    if (schema.examples?.[0] !== undefined) return schema.examples[0]
    if (schema.example !== undefined) return schema.example
    if (schema.const !== undefined) return schema.const
    if (schema.enum?.[0] !== undefined) return schema.enum[0]
    const branch = (schema.anyOf ?? schema.oneOf)?.find((s) => typeOf(s) !== 'null')
    if (branch) return this.value(name, branch, optional)
    if (schema.allOf) return this.value(name, Object.assign({}, ...schema.allOf) as JsonSchema, optional)
    switch (typeOf(schema)) {
      case 'object': return this.object(schema, optional)
      case 'array': return Array.from({ length: schema.minItems ?? 0 }, () => this.value(name, schema.items ?? {}, optional))
      case 'integer': case 'number': return schema.minimum ?? 1
      case 'boolean': return true
      default: return this.string(schema)
    }
  }

  private object(schema: JsonSchema, optional: boolean): Record<string, unknown> {
    const required = new Set(schema.required ?? [])
    const fields = Object.entries(schema.properties ?? {})
      .filter(([key]) => required.has(key) || (optional && tenantFieldOf(this.route, key) !== undefined && key !== 'id'))
    return Object.fromEntries(fields.map(([key, property]) => [key, this.value(key, property, optional)]))
  }

  /** a string the schema accepts: a day, a month, or filler of the least length */
  private string(schema: JsonSchema): string {
    const day = localDay(this.now)
    const candidates = [day, day.slice(0, 7), `${day}T00:00:00Z`, 'x'.repeat(Math.max(schema.minLength ?? 1, 16)), 'x'.repeat(Math.max(schema.minLength ?? 1, 1))]
    if (schema.format === 'date') return day
    if (schema.format === 'date-time') return new Date(this.now).toISOString()
    if (schema.pattern === undefined) return candidates.at(-1)!
    const pattern = new RegExp(schema.pattern, 'u')
    return candidates.find((c) => pattern.test(c)) ?? candidates.at(-1)!
  }
}

function typeOf(schema: JsonSchema): string | undefined {
  if (Array.isArray(schema.type)) return schema.type.find((t) => t !== 'null')
  if (schema.type !== undefined) return schema.type
  if (schema.properties !== undefined) return 'object'
  return undefined
}
