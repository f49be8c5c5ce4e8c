import type { ErrorObject } from 'ajv'

/**
 * Ajv's wording rewritten for someone editing YAML: "must be a list, got a map" rather than
 * "must be array", ranges as "from 1 to 247, got 300", and a number-or-boolean union as one
 * message instead of one per member plus "must match a schema in anyOf".
 * `schema` and `data` are what the errors were produced against.
 */
export function polishErrors(errors: readonly ErrorObject[], schema: unknown, data: unknown): ErrorObject[] {
  const out: ErrorObject[] = []
  const absorbed = new Set<ErrorObject>()
  for (const error of errors) {
    if (error.keyword !== 'anyOf') continue
    const members = errors.filter((e) => e.instancePath === error.instancePath && e.schemaPath.startsWith(`${error.schemaPath}/`))
    if (members.length === 0 || !members.every((e) => e.keyword === 'type')) continue
    for (const member of [error, ...members]) absorbed.add(member)
    const types = members.map((e) => (e.params as { type: string }).type)
    out.push({ ...error, keyword: 'type', params: { type: types }, message: typeMessage(types, valueAt(data, error.instancePath)) })
  }
  for (const error of errors) {
    if (absorbed.has(error)) continue
    out.push({ ...error, message: messageOf(error, schema, data) })
  }
  return out
}

function messageOf(error: ErrorObject, schema: unknown, data: unknown): string | undefined {
  const value = valueAt(data, error.instancePath)
  const params = error.params as Record<string, unknown>
  switch (error.keyword) {
    case 'type': {
      const types = ([] as string[]).concat(params.type as string | string[])
      return error.instancePath === '' ? `the config must be a map with keys gateway, buses and devices, got ${describe(value)}` : typeMessage(types, value)
    }
    case 'minimum':
    case 'maximum': {
      const owner = schemaAt(schema, error.schemaPath.split('/').slice(0, -1).join('/')) as { minimum?: number; maximum?: number } | undefined
      if (owner?.minimum !== undefined && owner.maximum !== undefined) return `must be from ${owner.minimum} to ${owner.maximum}, got ${describe(value)}`
      return `must be at ${error.keyword === 'minimum' ? 'least' : 'most'} ${String(params.limit)}, got ${describe(value)}`
    }
    case 'minItems':
      return params.limit === 1 ? 'must list at least one item' : `must list at least ${String(params.limit)} items`
    case 'minLength':
      return params.limit === 1 ? 'must not be empty' : `must be at least ${String(params.limit)} characters`
    case 'maxLength':
      return `must be at most ${String(params.limit)} characters`
    case 'pattern': {
      const owner = schemaAt(schema, error.schemaPath.split('/').slice(0, -1).join('/')) as { description?: string } | undefined
      return `${describe(value)} does not match ${String(params.pattern)}${owner?.description ? ` (${owner.description})` : ''}`
    }
    default:
      return error.message
  }
}

const TYPE_NAMES: Record<string, string> = {
  object: 'a map', array: 'a list', string: 'text', integer: 'a whole number', number: 'a number', boolean: 'true or false', null: 'empty',
}

export function typeMessage(types: readonly string[], value: unknown): string {
  const wanted = [...new Set(types)].map((t) => TYPE_NAMES[t] ?? t)
  return `must be ${wanted.join(' or ')}, got ${describe(value)}`
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return 'nothing'
  if (Array.isArray(value)) return 'a list'
  if (typeof value === 'object') return 'a map'
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)
  return String(value)
}

const unescape = (segment: string) => segment.replace(/~1/gu, '/').replace(/~0/gu, '~')

/** `pointer` is a JSON pointer; Ajv's schema paths are URI fragments, percent-encoded too. */
function valueAt(data: unknown, pointer: string, percentEncoded = false): unknown {
  let node = data
  for (const segment of pointer.split('/').slice(1).map((s) => unescape(percentEncoded ? decodeURIComponent(s) : s))) {
    if (node === null || typeof node !== 'object') return undefined
    node = (node as Record<string, unknown>)[segment]
  }
  return node
}

function schemaAt(schema: unknown, schemaPath: string): unknown {
  return valueAt(schema, schemaPath.replace(/^#/u, ''), true)
}
