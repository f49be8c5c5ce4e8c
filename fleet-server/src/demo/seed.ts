import { readFileSync } from 'node:fs'
import { findUp } from '../../../hardware-profiles/find-up.ts'
import { calendarDayProblem, createValidator, InvalidInputError, YamlSource, type PathSegment, type Problem } from '../../../protocols/validation/index.ts'
import { DemoFleetSchema, type DemoFleet } from './fleet-schema.ts'
import { parseGatewayConfig } from './gateway-config.ts'

/** seeds/demo-fleet.yaml of this repository, whatever the working directory. */
export const defaultSeedFile = (): string => findUp(import.meta.url, 'seeds/demo-fleet.yaml')

const validateFleet = createValidator<DemoFleet>(DemoFleetSchema)

export interface ParsedDemoFleet {
  fleet?: DemoFleet
  problems: Problem[]
}

/** Parse and check the demo fleet: YAML, schema, references, and each gateway as a full gateway config. */
export function parseDemoFleet(file: string, text: string): ParsedDemoFleet {
  let source: YamlSource
  try {
    source = new YamlSource(file, text)
  } catch (error) {
    return { problems: [{ file, line: 1, column: 1, path: '', message: error instanceof Error ? error.message.split('\n')[0]! : String(error) }] }
  }
  if (source.syntaxProblems.length > 0) return { problems: source.syntaxProblems }
  if (!validateFleet(source.value)) return { problems: byPlace(source.schemaProblems(validateFleet.errors)) }
  const fleet = source.value
  const problems = [...referenceProblems(source, fleet), ...gatewayProblems(source, fleet)]
  return problems.length > 0 ? { problems: byPlace(problems) } : { fleet, problems: [] }
}

/** Read and check the demo fleet file; throws InvalidInputError('SEED_INVALID') with every problem. */
export function loadDemoFleet(file: string): DemoFleet {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (error) {
    throw new InvalidInputError('SEED_INVALID', [{ file, line: 1, column: 1, path: '', message: `cannot read: ${(error as NodeJS.ErrnoException).code ?? String(error)}` }])
  }
  const { fleet, problems } = parseDemoFleet(file, text)
  if (!fleet) throw new InvalidInputError('SEED_INVALID', problems)
  return fleet
}

const byPlace = (problems: Problem[]): Problem[] => [...problems].sort((a, b) => a.line - b.line || a.column - b.column)

function duplicates(source: YamlSource, list: readonly { id?: string; name?: string }[], at: PathSegment[], key: 'id' | 'name', what: string): Problem[] {
  const seen = new Set<string>()
  const problems: Problem[] = []
  list.forEach((item, i) => {
    const value = item[key]!
    if (seen.has(value)) problems.push(source.problemAt([...at, i, key], `duplicate ${what} "${value}"`))
    seen.add(value)
  })
  return problems
}

function referenceProblems(source: YamlSource, fleet: DemoFleet): Problem[] {
  const problems = [
    ...duplicates(source, fleet.enterprises, ['enterprises'], 'id', 'enterprise id'),
    ...duplicates(source, fleet.sites, ['sites'], 'id', 'site id'),
    ...duplicates(source, fleet.users, ['users'], 'name', 'user name'),
  ]
  const gateways = new Set<string>()
  fleet.sites.forEach(({ gateway }, i) => {
    if (gateways.has(gateway.id)) problems.push(source.problemAt(['sites', i, 'gateway', 'id'], `duplicate gateway id "${gateway.id}"`))
    gateways.add(gateway.id)
  })
  const enterprises = new Set(fleet.enterprises.map((e) => e.id))
  const sites = new Set(fleet.sites.map((s) => s.id))
  const known = (set: Set<string>) => [...set].join(', ')
  fleet.sites.forEach((site, i) => {
    if (!enterprises.has(site.enterprise)) problems.push(source.problemAt(['sites', i, 'enterprise'], `no enterprise "${site.enterprise}" (known: ${known(enterprises)})`))
    problems.push(...complianceProblems(source, site, i), ...gasTestProblems(source, site, i))
  })
  fleet.users.forEach((user, i) => {
    const at = (key: string, message: string) => problems.push(source.problemAt(['users', i, key], message))
    if (user.role === 'regulator' && user.jurisdiction === undefined) at('role', 'a regulator needs a jurisdiction (a township, or "*" for the whole city)')
    if (user.role === 'enterprise' && user.enterpriseId === undefined) at('role', 'an enterprise user needs an enterpriseId')
    if (user.role === 'installer' && user.siteIds === undefined) at('role', 'an installer needs siteIds (the sites it is assigned)')
    if (user.enterpriseId !== undefined && !enterprises.has(user.enterpriseId)) at('enterpriseId', `no enterprise "${user.enterpriseId}" (known: ${known(enterprises)})`)
    user.siteIds?.forEach((id, j) => {
      if (!sites.has(id)) problems.push(source.problemAt(['users', i, 'siteIds', j], `no site "${id}"`))
    })
  })
  return problems
}

/** A date is a real calendar day; a start or a record has one date, absolute or relative, not both. */
function complianceProblems(source: YamlSource, site: DemoFleet['sites'][number], i: number): Problem[] {
  const problems: Problem[] = []
  const at = (path: PathSegment[], message: string) => problems.push(source.problemAt(['sites', i, ...path], message))
  if (site.rulesFrom !== undefined && site.rulesFromDaysAgo !== undefined) at(['rulesFromDaysAgo'], 'give rulesFrom or rulesFromDaysAgo, not both')
  const rulesFrom = site.rulesFrom === undefined ? undefined : calendarDayProblem(site.rulesFrom)
  if (rulesFrom !== undefined) at(['rulesFrom'], rulesFrom)
  site.commissioning?.forEach((record, j) => {
    if ((record.commissionedOn === undefined) === (record.daysAgo === undefined)) at(['commissioning', j], 'give commissionedOn or daysAgo (exactly one)')
    const commissionedOn = record.commissionedOn === undefined ? undefined : calendarDayProblem(record.commissionedOn)
    if (commissionedOn !== undefined) at(['commissioning', j, 'commissionedOn'], commissionedOn)
  })
  return problems
}

/** The demo commissions a site's gas-test device at start (commissioning-plan.ts): one per site, with an alarmed channel. */
function gasTestProblems(source: YamlSource, site: DemoFleet['sites'][number], i: number): Problem[] {
  const problems: Problem[] = []
  let seen = false
  site.gateway.devices.forEach((device, j) => {
    if (device.scenario !== 'gas-test') return
    const at = ['sites', i, 'gateway', 'devices', j, 'scenario']
    if (seen) problems.push(source.problemAt(at, 'one gas-test device per site: the demo commissions it at start'))
    else if (Object.keys(device.alarms ?? {}).length === 0) problems.push(source.problemAt(at, 'a gas-test device needs alarms on the channel the demo tests with methane'))
    seen = true
  })
  return problems
}

/** `devices[2].alarms.ch4` → ['devices', 2, 'alarms', 'ch4'] */
const pathSegments = (path: string): PathSegment[] =>
  path === '' ? [] : path.split(/\.|(?=\[)/u).map((s) => (/^\[\d+\]$/u.test(s) ? Number(s.slice(1, -1)) : s))

/**
 * Each gateway checked as the agent will check it. A seed device is the config device at the same
 * index, so the config's key paths locate the problem in the seed file.
 */
function gatewayProblems(source: YamlSource, fleet: DemoFleet): Problem[] {
  const problems: Problem[] = []
  fleet.sites.forEach((site, i) => {
    const configFile = `${site.gateway.id}.yaml`
    const { problems: found } = parseGatewayConfig(configFile, site, { simulator: { host: '127.0.0.1', port: 502 } })
    for (const problem of found) {
      if (problem.file !== configFile) {
        problems.push(problem) // inside a profile file
        continue
      }
      const segments = pathSegments(problem.path)
      const inSeed = segments[0] === 'devices' || segments[0] === 'interlocks' ? segments : []
      const located = source.problemAt(['sites', i, 'gateway', ...inSeed], problem.message)
      problems.push(inSeed.length > 0 || problem.path === '' ? located : { ...located, message: `${problem.path}: ${problem.message}` })
    }
  })
  return problems
}
