import { readFileSync } from 'node:fs'
import type { Command } from 'commander'
import { ROLES, type Role, type User } from '../model/index.ts'
import { roleWithArticle } from '../auth/scope.ts'
import { jurisdictionsOf, loadCatalog } from '../compliance/catalog.ts'
import { DEFAULT_DB_PATH, MIN_PASSWORD_LENGTH } from '../defaults.ts'
import { hashSecret } from '../mqtt/secrets.ts'
import type { FleetStore } from '../store/types.ts'
import { UsageError } from '../../../protocols/cli/index.ts'
import { cliActor, withStore } from './open-store.ts'

interface UserAddOptions {
  name: string
  role: string
  displayName?: string
  passwordFile?: string
  jurisdiction?: string
  enterprise?: string
  site: string[]
  db: string
}

const collect = (value: string, previous: string[]) => [...previous, value]

export function registerUserCommands(program: Command): void {
  const user = program.command('user').description('manage the users who sign in to the API and dashboard')
  user.command('add')
    .description('add a user; the password comes from --password-file or, without it, from stdin (no prompt)')
    .requiredOption('--name <name>', 'sign-in name')
    .requiredOption('--role <role>', `one of ${ROLES.join(', ')}`)
    .option('--display-name <text>', 'name shown in the dashboard')
    .option('--password-file <file>', 'read the password from this file (first line)')
    .option('--jurisdiction <township>', 'regulator: the township or district it oversees, one with an imported site or named in seeds/regulations.yaml ("*" the whole city)')
    .option('--enterprise <id>', 'enterprise: the enterprise whose sites it reads, as imported with `import --sites`')
    .option('--site <id>', 'installer: a site it is assigned (repeat for several)', collect, [])
    .option('--db <file>', 'the fleet database', DEFAULT_DB_PATH)
    .action(async (options: UserAddOptions) => {
      const record = userFromOptions(options)
      const password = readPassword(options.passwordFile)
      await withStore(options.db, async (store) => {
        checkReferences(store, record)
        store.addUser({ ...record, passwordHash: await hashSecret(password) })
        store.audit.record({ actor: cliActor(), action: 'user-add', subject: record.name, detail: { ...record } })
      })
      console.log(`user ${record.name} (${record.role}) added`)
    })
}

/** The user as the options describe it, with the role's own field required and the others refused. */
export function userFromOptions(options: UserAddOptions): User {
  const name = options.name.trim()
  if (!/^[^\s:/]{1,64}$/u.test(name)) throw new UsageError(`--name must be 1 to 64 characters without spaces, ':' or '/', got "${options.name}"`)
  if (!(ROLES as readonly string[]).includes(options.role)) throw new UsageError(`--role must be one of ${ROLES.join(', ')}, got "${options.role}"`)
  const role = options.role as Role
  const given = { jurisdiction: options.jurisdiction !== undefined, enterprise: options.enterprise !== undefined, site: options.site.length > 0 }
  const needs = { regulator: 'jurisdiction', enterprise: 'enterprise', installer: 'site', admin: undefined } as const
  const needed = needs[role]
  if (needed !== undefined && !given[needed]) throw new UsageError(`${roleWithArticle(role)} needs --${needed}`)
  for (const option of ['jurisdiction', 'enterprise', 'site'] as const) {
    if (given[option] && option !== needed) throw new UsageError(`--${option} does not apply to ${roleWithArticle(role)}`)
  }
  const user: User = { name, role }
  if (options.displayName !== undefined) user.displayName = options.displayName
  if (role === 'regulator') user.jurisdiction = options.jurisdiction!
  if (role === 'enterprise') user.enterpriseId = options.enterprise!
  if (role === 'installer') user.siteIds = [...new Set(options.site)]
  return user
}

function readPassword(file: string | undefined): string {
  let text: string
  if (file !== undefined) {
    try {
      text = readFileSync(file, 'utf8').split(/\r?\n/u)[0] ?? ''
    } catch (error) {
      throw new UsageError(`cannot read --password-file ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`)
    }
  } else {
    if (process.stdin.isTTY) throw new UsageError('give the password with --password-file FILE or on stdin (e.g. `printf %s "$PW" | fleet-server user add ...`)')
    text = readFileSync(0, 'utf8').replace(/\r?\n$/u, '')
  }
  if (text.length < MIN_PASSWORD_LENGTH) throw new UsageError(`the password must have at least ${MIN_PASSWORD_LENGTH} characters`)
  return text
}

/**
 * What the user refers to must exist, as `fleet-server import --sites` stored it: its sites, its
 * enterprise (one with a site), its jurisdiction (a township with a site, one the regulation catalog
 * names, or "*" the whole city). A typo would otherwise make a user who sees nothing.
 */
function checkReferences(store: FleetStore, user: User): void {
  if (store.findUser(user.name)) throw new UsageError(`user ${user.name} already exists`)
  for (const siteId of user.siteIds ?? []) {
    if (!store.getSite({ role: 'admin' }, siteId)) throw new UsageError(`--site ${siteId}: no such site`)
  }
  if (user.enterpriseId === undefined && user.jurisdiction === undefined) return
  const sites = store.complianceSites({ role: 'admin' })
  const enterprises = new Set(sites.map((site) => site.enterpriseId))
  if (user.enterpriseId !== undefined && !enterprises.has(user.enterpriseId)) {
    throw new UsageError(`--enterprise ${user.enterpriseId}: no such enterprise (known: ${listed(enterprises)}); import its sites first: fleet-server import --sites FILE`)
  }
  if (user.jurisdiction === undefined || user.jurisdiction === WHOLE_CITY || sites.some((site) => site.jurisdiction === user.jurisdiction)) return
  const named = catalogJurisdictions()
  if (named.includes(user.jurisdiction)) return
  const known = new Set([...sites.map((site) => site.jurisdiction), ...named])
  throw new UsageError(`--jurisdiction ${user.jurisdiction}: no site is in it and the regulation catalog does not name it (known: ${listed(known)}; "${WHOLE_CITY}" is the whole city)`)
}

const WHOLE_CITY = '*'

/** the townships seeds/regulations.yaml gives dates of their own (an invalid catalog: InvalidInputError, its problems located) */
function catalogJurisdictions(): string[] {
  return Object.keys(jurisdictionsOf(loadCatalog())).filter((name) => name !== WHOLE_CITY)
}

/** a short sorted list for a message: at most 10 names */
function listed(names: Iterable<string>): string {
  const sorted = [...new Set(names)].sort()
  if (sorted.length === 0) return 'none yet'
  return sorted.length <= 10 ? sorted.join(', ') : `${sorted.slice(0, 10).join(', ')}, … ${sorted.length} in all`
}
