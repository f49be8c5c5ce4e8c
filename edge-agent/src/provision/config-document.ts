import { isMap, isScalar, parseDocument, type Document } from 'yaml'

/** What provisioning reads from and writes into a gateway config; paths as written (relative to the config). */
export interface ProvisionFields {
  gatewayId?: string
  site?: string
  url?: string
  credentialsFile?: string
  caFile?: string
}

const PATHS: Record<keyof ProvisionFields, readonly string[]> = {
  gatewayId: ['gateway', 'id'],
  site: ['gateway', 'site'],
  url: ['uplink', 'url'],
  credentialsFile: ['uplink', 'credentialsFile'],
  caFile: ['uplink', 'caFile'],
}
const KEYS = Object.keys(PATHS) as (keyof ProvisionFields)[]

/** The config's text as a YAML document that keeps its comments, or undefined when it is no map (the config check says why). */
export function configDocument(text: string): Document | undefined {
  const document = parseDocument(text)
  if (document.errors.length > 0 || !isMap(document.contents)) return undefined
  for (const section of ['gateway', 'uplink']) {
    const node = document.get(section, true)
    if (node !== undefined && !isMap(node)) return undefined
  }
  return document
}

/** The provisioning fields the document holds (strings only: anything else is for the config check to name). */
export function provisionFields(document: Document): ProvisionFields {
  const fields: ProvisionFields = {}
  for (const key of KEYS) {
    const value = document.getIn(PATHS[key])
    if (typeof value === 'string') fields[key] = value
  }
  return fields
}

/** `key.path` of each field whose value `wanted` changes. */
export function changedKeys(current: ProvisionFields, wanted: ProvisionFields): string[] {
  return KEYS.filter((key) => wanted[key] !== undefined && wanted[key] !== current[key]).map((key) => PATHS[key].join('.'))
}

/**
 * The config's text with `wanted` set: existing keys keep their place and comments; a missing
 * `gateway` goes first and a missing `uplink` right after it (where the reference puts them), other
 * missing keys at the end of their section. Text that needs no change comes back as it was, byte for byte.
 */
export function withProvisionFields(text: string, wanted: ProvisionFields): string {
  const document = configDocument(text)
  if (document === undefined) throw new TypeError('withProvisionFields needs a config that is a map')
  if (changedKeys(provisionFields(document), wanted).length === 0) return text
  const root = document.contents as unknown as { items: unknown[] }
  for (const section of ['gateway', 'uplink']) {
    const needed = KEYS.some((key) => PATHS[key][0] === section && wanted[key] !== undefined)
    if (!needed || document.has(section)) continue
    const gatewayAt = root.items.findIndex((item) => {
      const key = (item as { key: unknown }).key
      return isScalar(key) && key.value === 'gateway'
    })
    root.items.splice(section === 'gateway' ? 0 : gatewayAt + 1, 0, document.createPair(section, {}))
  }
  for (const key of KEYS) {
    const value = wanted[key]
    if (value !== undefined) document.setIn(PATHS[key], value)
  }
  // no folding of long values: a path stays on its line
  return document.toString({ lineWidth: 0 })
}
