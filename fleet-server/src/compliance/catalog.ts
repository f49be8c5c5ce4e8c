import { readFileSync } from 'node:fs'
import { calendarDayProblem, createValidator, InvalidInputError, YamlSource, type Problem } from '../../../protocols/validation/index.ts'
import { findUp } from '../../../hardware-profiles/find-up.ts'
import { CatalogSchema, type Catalog, type Jurisdiction, type Rule } from './catalog-schema.ts'

export const CATALOG_INVALID = 'CATALOG_INVALID'

let validator: ReturnType<typeof createValidator<Catalog>> | undefined
const validate = (value: unknown) => (validator ??= createValidator<Catalog>(CatalogSchema))(value)

export interface ParsedCatalog {
  catalog?: Catalog
  problems: Problem[]
}

/** Parse and check a catalog text: syntax, schema, then what a schema cannot say (real dates, unique ids, references). */
export function parseCatalog(file: string, text: string): ParsedCatalog {
  const source = new YamlSource(file, text.replace(/^\uFEFF/u, ''))
  if (source.syntaxProblems.length > 0) return { problems: source.syntaxProblems }
  if (!validate(source.value)) return { problems: source.schemaProblems(validator!.errors) }
  const catalog = source.value as Catalog
  const problems: Problem[] = []
  const ids = new Set<string>()
  catalog.rules.forEach((rule, i) => {
    if (ids.has(rule.id)) problems.push(source.problemAt(['rules', i, 'id'], `rule id "${rule.id}" is used twice`))
    ids.add(rule.id)
  })
  for (const [name, jurisdiction] of Object.entries(jurisdictionsOf(catalog))) {
    const appliesFrom = calendarDayProblem(jurisdiction.appliesFrom)
    if (appliesFrom !== undefined) problems.push(source.problemAt(['jurisdictions', name, 'appliesFrom'], appliesFrom))
    for (const [ruleId, day] of Object.entries(jurisdiction.rules ?? {})) {
      const problem = ids.has(ruleId) ? calendarDayProblem(day) : `no rule "${ruleId}" in the catalog`
      if (problem !== undefined) problems.push(source.problemAt(['jurisdictions', name, 'rules', ruleId], problem, !ids.has(ruleId)))
    }
  }
  return problems.length > 0 ? { problems } : { catalog, problems }
}

/** seeds/regulations.yaml of this checkout */
export const defaultCatalogFile = (): string => findUp(import.meta.url, 'seeds/regulations.yaml')

/** Load and check the catalog (default: seeds/regulations.yaml); throws InvalidInputError (code CATALOG_INVALID) listing every problem. */
export function loadCatalog(file: string = defaultCatalogFile()): Catalog {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (error) {
    throw new InvalidInputError(CATALOG_INVALID, [{ file, line: 1, column: 1, path: '', message: `cannot read: ${(error as NodeJS.ErrnoException).code ?? String(error)}` }])
  }
  const { catalog, problems } = parseCatalog(file, text)
  if (!catalog) throw new InvalidInputError(CATALOG_INVALID, problems)
  return catalog
}

export const jurisdictionsOf = (catalog: Catalog): Record<string, Jurisdiction> => catalog.jurisdictions as Record<string, Jurisdiction>

/**
 * The date `rule` applies from in `jurisdiction`: the township's date for this rule, else the
 * township's date, else the city's ("*") date for this rule, else the city's date.
 */
export function jurisdictionAppliesFrom(catalog: Catalog, rule: Rule, jurisdiction: string): string {
  const all = jurisdictionsOf(catalog)
  const own = Object.hasOwn(all, jurisdiction) ? all[jurisdiction] : undefined
  const city = all['*']!
  return own?.rules?.[rule.id] ?? own?.appliesFrom ?? city.rules?.[rule.id] ?? city.appliesFrom
}
