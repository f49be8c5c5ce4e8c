import { createHash } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { basename, dirname, isAbsolute, join } from 'node:path'
import type { ErrorObject } from 'ajv'
import { LIBRARY_DIR, loadLibrary, parseProfile, type Profile } from '../../../hardware-profiles/index.ts'
import { createValidator, InvalidInputError, YamlSource, type Problem } from '../../../protocols/validation/index.ts'
import { checkConfig } from './check.ts'
import { resolveDefaults, type ResolvedConfig } from './resolve.ts'
import { polishErrors, typeMessage } from './schema-errors.ts'
import { GatewayConfigSchema, SerialBusSchema, TcpBusSchema, type GatewayConfig } from './schema.ts'

const validateConfig = createValidator<GatewayConfig>(GatewayConfigSchema)
const busMembers = {
  rtu: { schema: SerialBusSchema, validate: createValidator(SerialBusSchema) },
  tcp: { schema: TcpBusSchema, validate: createValidator(TcpBusSchema) },
} as const

export interface ParsedConfig {
  config?: ResolvedConfig
  problems: Problem[]
  /** worth saying but no reason to refuse the config (FILE:LINE:COL key.path: warning: …) */
  warnings?: Problem[]
}

export interface ParseOptions {
  /** the profiles that library ids resolve against (default: the shipped hardware-profiles/library) */
  library?: readonly Profile[]
}

interface LibraryLookup {
  byId(id: string): Profile | undefined
  all(): readonly Profile[]
}

/**
 * The shipped library, read one profile at a time: library files are named after their id, and
 * parsing all of them costs the `check` command more than everything else it does.
 */
const shippedLibrary: LibraryLookup = (() => {
  let all: Profile[] | undefined
  const single = new Map<string, Profile | undefined>()
  const byFile = (id: string): Profile | undefined => {
    const path = join(LIBRARY_DIR, `${id}.yaml`)
    if (!/^[a-z0-9][a-z0-9_-]*$/u.test(id) || !existsSync(path)) return undefined
    const { profile } = parseProfile(path, readFileSync(path, 'utf8'))
    return profile?.id === id ? profile : undefined
  }
  const everything = () => (all ??= loadLibrary())
  return {
    byId(id) {
      if (all) return all.find((p) => p.id === id)
      if (!single.has(id)) single.set(id, byFile(id))
      return single.get(id) ?? everything().find((p) => p.id === id)
    },
    all: everything,
  }
})()

/** Parse and fully check one gateway config text: YAML syntax, schema, then references, bus budgets and profiles. */
export function parseConfig(file: string, text: string, options: ParseOptions = {}): ParsedConfig {
  let source: YamlSource
  try {
    source = new YamlSource(file, text)
  } catch (error) {
    return { problems: [yamlFailure(file, text, error)] }
  }
  if (source.syntaxProblems.length > 0) return { problems: withoutCascade(source.syntaxProblems) }
  if (source.value === null || source.value === undefined) {
    return { problems: [{ file, line: 1, column: 1, path: '', message: 'the file is empty; expected a map with keys gateway, buses and devices' }] }
  }
  const schemaProblems = source.schemaProblems(schemaErrors(source.value))
  if (schemaProblems.length > 0) return { problems: sortProblems(file, schemaProblems) }

  const config = source.value as GatewayConfig
  const library: LibraryLookup = options.library
    ? { byId: (id) => options.library!.find((p) => p.id === id), all: () => options.library! }
    : shippedLibrary
  const lookups = new Map<string, ProfileLookup>()
  const problems: Problem[] = []
  const profiles = config.devices.map((device, i) => {
    const cached = lookups.get(device.profile)
    const lookup = cached ?? findProfile(device.profile, file, library)
    if (!cached) {
      lookups.set(device.profile, lookup)
      problems.push(...lookup.problems)
    }
    if (lookup.message) problems.push(source.problemAt(['devices', i, 'profile'], lookup.message))
    return lookup.profile
  })
  const warnings: Problem[] = []
  for (const issue of checkConfig(config, profiles)) {
    if (issue.warning) warnings.push(source.problemAt(issue.path, `warning: ${issue.message}`, issue.onKey))
    else problems.push(source.problemAt(issue.path, issue.message, issue.onKey))
  }
  if (problems.length > 0) return { problems: sortProblems(file, problems), warnings: sortProblems(file, warnings) }

  const hash = createHash('sha256').update(text).digest('hex')
  return { config: resolveDefaults(config, profiles as Profile[], { file, hash }), problems: [], warnings: sortProblems(file, warnings) }
}

/** Read, parse and check a config file; a file that cannot be read is a problem too. */
export function parseConfigFile(file: string, options: ParseOptions = {}): ParsedConfig {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (error) {
    return { problems: [{ file, line: 1, column: 1, path: '', message: `cannot read: ${(error as NodeJS.ErrnoException).code ?? String(error)}` }] }
  }
  return parseConfig(file, text, options)
}

/**
 * Read, parse and check a config file; throws InvalidInputError('CONFIG_INVALID') with every problem.
 * Warnings (no reason to refuse the config) go to `onWarning`.
 */
export function loadConfigFile(file: string, options: ParseOptions = {}, onWarning?: (warning: Problem) => void): ResolvedConfig {
  const { config, problems, warnings = [] } = parseConfigFile(file, options)
  if (!config) throw new InvalidInputError('CONFIG_INVALID', problems)
  if (onWarning) for (const warning of warnings) onWarning(warning)
  return config
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value)

/**
 * Ajv's errors for the config, with each bus checked against the one member of the bus union
 * its `type` names, so an rtu bus is never told what a tcp bus would need.
 */
function schemaErrors(value: unknown): ErrorObject[] {
  const errors = validateConfig(value) ? [] : polishErrors(validateConfig.errors ?? [], GatewayConfigSchema, value)
  const kept = errors.filter((e) => !/^\/buses\/\d+(\/|$)/u.test(e.instancePath))
  if (isRecord(value) && Array.isArray(value.buses)) value.buses.forEach((bus, i) => kept.push(...busErrors(bus, `/buses/${i}`)))
  return kept
}

function busErrors(bus: unknown, at: string): ErrorObject[] {
  const error = (instancePath: string, message: string): ErrorObject => ({ keyword: 'bus', instancePath, schemaPath: '#', params: {}, message })
  if (!isRecord(bus)) return [error(at, typeMessage(['object'], bus))]
  if (bus.type === undefined) return [error(at, 'missing key "type": must be one of "rtu", "tcp"')]
  if (bus.type !== 'rtu' && bus.type !== 'tcp') return [error(`${at}/type`, 'must be one of "rtu", "tcp"')]
  const member = busMembers[bus.type]
  if (member.validate(bus)) return []
  return polishErrors(member.validate.errors ?? [], member.schema, bus).map((e) => ({ ...e, instancePath: at + e.instancePath }))
}

interface ProfileLookup {
  profile?: Profile
  /** what is wrong, said at the device's `profile` key */
  message?: string
  /** problems inside a profile file */
  problems: Problem[]
}

const isProfileFile = (ref: string) => ref.endsWith('.yaml') || ref.endsWith('.yml') || ref.includes('/')

/** A library id, or a profile file relative to the config file. */
function findProfile(ref: string, configFile: string, library: LibraryLookup): ProfileLookup {
  if (isProfileFile(ref)) {
    const path = isAbsolute(ref) ? ref : join(dirname(configFile), ref)
    if (!existsSync(path)) {
      const id = basename(ref).replace(/\.ya?ml$/u, '')
      const hint = library.byId(id) ? `; for the library profile write just ${id}` : ''
      return { message: `no profile file ${ref} (looked for ${path})${hint}`, problems: [] }
    }
    let text: string
    try {
      text = readFileSync(path, 'utf8')
    } catch (error) {
      return { message: `cannot read profile file ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, problems: [] }
    }
    const { profile, problems } = parseProfile(path, text)
    if (!profile) return { message: `profile file ${ref} is invalid (${problems.length} problem${problems.length === 1 ? '' : 's'}, reported below)`, problems }
    return { profile, problems: [] }
  }
  const profile = library.byId(ref)
  if (profile) return { profile, problems: [] }
  const near = library.all().map((p) => p.id).filter((id) => id.includes(ref) || editDistance(id, ref) <= 3)
  return { message: `no profile "${ref}" in the library${near.length > 0 ? `; did you mean ${near.join(', ')}?` : ''} (edge-agent profiles list)`, problems: [] }
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const row = [i]
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(previous[j]! + 1, row[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1))
    previous = row
  }
  return previous[b.length]!
}

/** The YAML library throws (rather than reports) on an unresolved alias or an alias bomb. */
function yamlFailure(file: string, text: string, error: unknown): Problem {
  const message = error instanceof Error ? error.message.split('\n')[0]! : String(error)
  const alias = /Unresolved alias.*: (.+)$/u.exec(message)?.[1]
  const offset = alias ? Math.max(0, text.indexOf(`*${alias}`)) : 0
  const before = text.slice(0, offset).split('\n')
  return { file, line: before.length, column: before.at(-1)!.length + 1, path: '', message }
}

/**
 * One YAML mistake (a tab, a bad indent) often makes the parser report several more on the same
 * or the next line; keep the first of each such run so the reader sees the cause.
 */
function withoutCascade(problems: readonly Problem[]): Problem[] {
  let lastLine = -Infinity
  return problems.filter((problem) => {
    const keep = problem.line > lastLine + 1
    lastLine = Math.max(lastLine, problem.line)
    return keep
  })
}

/** Problems of the config file in reading order, then those inside profile files it names. */
function sortProblems(file: string, problems: Problem[]): Problem[] {
  return problems
    .map((problem, order) => ({ problem, order }))
    .sort((a, b) => Number(a.problem.file !== file) - Number(b.problem.file !== file)
      || (a.problem.file === b.problem.file ? 0 : a.problem.file < b.problem.file ? -1 : 1)
      || a.problem.line - b.problem.line || a.problem.column - b.problem.column || a.order - b.order)
    .map(({ problem }) => problem)
}
