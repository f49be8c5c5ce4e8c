import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml'
import type { ErrorObject } from 'ajv'
import { formatPath, type PathSegment, type Problem } from './problem.ts'

/**
 * A parsed YAML text that can say where any key path of it stands, so every
 * problem (syntax, schema, cross-reference) is reported as FILE:LINE:COL.
 */
export class YamlSource {
  readonly file: string
  readonly value: unknown
  readonly syntaxProblems: Problem[]
  private readonly doc: Document
  private readonly lines: LineCounter

  constructor(file: string, text: string) {
    this.file = file
    this.lines = new LineCounter()
    this.doc = parseDocument(text, { lineCounter: this.lines, prettyErrors: false, uniqueKeys: true })
    this.syntaxProblems = [...this.doc.errors, ...this.doc.warnings].map((error) => {
      const { line, col } = this.lines.linePos(error.pos[0])
      return { file, line, column: col, path: '', message: error.message.split('\n')[0]! }
    })
    this.value = this.syntaxProblems.length === 0 ? this.doc.toJS({ maxAliasCount: 100 }) : undefined
  }

  /** Problem at `path`; `onKey` points at the key itself rather than its value. */
  problemAt(path: readonly PathSegment[], message: string, onKey = false): Problem {
    const offset = this.offsetOf(path, onKey)
    const { line, col } = this.lines.linePos(offset)
    return { file: this.file, line, column: col, path: formatPath(path), message }
  }

  private offsetOf(path: readonly PathSegment[], onKey: boolean): number {
    let node: unknown = this.doc.contents
    let offset = (node as Node | null)?.range?.[0] ?? 0
    for (let i = 0; i < path.length; i++) {
      const segment = path[i]!
      const last = i === path.length - 1
      if (isMap(node)) {
        const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(segment))
        if (!pair) return offset
        const keyNode = pair.key as Node
        if (last && onKey) return keyNode.range?.[0] ?? offset
        node = pair.value ?? keyNode
        offset = (node as Node).range?.[0] ?? keyNode.range?.[0] ?? offset
      } else if (isSeq(node)) {
        const item = node.items[Number(segment)]
        if (!item) return offset
        node = item
        offset = (item as Node).range?.[0] ?? offset
      } else {
        return offset
      }
    }
    return offset
  }

  /** Translate Ajv errors (allErrors) into located problems, one per real mistake. */
  schemaProblems(errors: readonly ErrorObject[] | null | undefined): Problem[] {
    return schemaMessages(errors).map(({ path, message, onKey }) => this.problemAt(path, message, onKey))
  }
}

interface SchemaMessage {
  path: PathSegment[]
  message: string
  onKey: boolean
}

const pointerToPath = (pointer: string): PathSegment[] =>
  pointer === ''
    ? []
    : pointer.slice(1).split('/').map((s) => s.replace(/~1/gu, '/').replace(/~0/gu, '~')).map((s) => (/^\d+$/u.test(s) ? Number(s) : s))

/**
 * Ajv reports a bad enum value once per union member plus once for the union;
 * collapse those into one "must be one of" message and drop the noise.
 */
export function schemaMessages(errors: readonly ErrorObject[] | null | undefined): SchemaMessage[] {
  if (!errors) return []
  const out: SchemaMessage[] = []
  const seen = new Set<string>()
  const unionPaths = new Set(errors.filter((e) => e.keyword === 'anyOf').map((e) => e.instancePath))
  const push = (path: PathSegment[], message: string, onKey = false) => {
    const key = `${formatPath(path)}|${message}`
    if (seen.has(key)) return
    seen.add(key)
    out.push({ path, message, onKey })
  }
  for (const error of errors) {
    const path = pointerToPath(error.instancePath)
    if (error.keyword === 'additionalProperties') {
      const key = (error.params as { additionalProperty: string }).additionalProperty
      push([...path, key], `unknown key "${key}"`, true)
    } else if (error.keyword === 'required') {
      push(path, `missing key "${(error.params as { missingProperty: string }).missingProperty}"`)
    } else if (error.keyword === 'anyOf') {
      const allowed = errors
        .filter((e) => e.instancePath === error.instancePath && (e.keyword === 'const' || e.keyword === 'enum'))
        .map((e) => JSON.stringify((e.params as { allowedValue: unknown }).allowedValue))
      push(path, allowed.length > 0 ? `must be one of ${allowed.join(', ')}` : 'does not match any allowed form')
    } else if (unionPaths.has(error.instancePath) && error.schemaPath.includes('/anyOf/')) {
      continue
    } else if (error.keyword === 'enum') {
      const allowed = (error.params as { allowedValues: unknown[] }).allowedValues
      push(path, `must be one of ${allowed.map((v) => JSON.stringify(v)).join(', ')}`)
    } else if (error.keyword === 'const') {
      push(path, `must be ${JSON.stringify((error.params as { allowedValue: unknown }).allowedValue)}`)
    } else {
      push(path, error.message ?? error.keyword)
    }
  }
  return out
}
