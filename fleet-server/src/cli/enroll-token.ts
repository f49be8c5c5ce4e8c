import type { Command } from 'commander'
import { hashToken, newToken } from '../auth/tokens.ts'
import { DEFAULT_DB_PATH, ENROLL_TOKEN_HOURS, MAX_ENROLL_TOKEN_HOURS } from '../defaults.ts'
import { UsageError, parseInteger } from '../../../protocols/cli/index.ts'
import { withStore } from './open-store.ts'

export function registerEnrollTokenCommand(program: Command): void {
  program.command('enroll-token')
    .description('create a one-time token a gateway of the site exchanges for its MQTT credentials (edge-agent provision); printed once, stored hashed. '
      + 'It enrols a gateway id that has no credentials; --replace mints one for an enrolled gateway (a new device, a lost password)')
    .requiredOption('--site <id>', 'the site the gateway belongs to')
    .option('--replace <gateway>', 'the enrolled gateway of the site whose credentials the token replaces: the old ones stop working and its session is closed when the token is used')
    .option('--hours <n>', 'hours the token stays valid', String(ENROLL_TOKEN_HOURS))
    .option('--db <file>', 'the fleet database', DEFAULT_DB_PATH)
    .action(async (options: { site: string; replace?: string; hours: string; db: string }) => {
      const hours = parseInteger(options.hours, '--hours', 1, MAX_ENROLL_TOKEN_HOURS)
      const token = newToken()
      const expiresAt = Date.now() + hours * 3_600_000
      await withStore(options.db, (store) => {
        if (!store.getSite({ role: 'admin' }, options.site)) throw new UsageError(`--site ${options.site}: no such site`)
        if (options.replace !== undefined) {
          const gateway = store.gatewayEnrolment(options.replace)
          if (!gateway) throw new UsageError(`--replace ${options.replace}: no such gateway`)
          if (gateway.siteId !== options.site) throw new UsageError(`--replace ${options.replace}: gateway ${options.replace} belongs to site ${gateway.siteId}, not ${options.site}`)
        }
        store.createEnrollToken(hashToken(token), options.site, expiresAt, options.replace)
      })
      console.log(token)
      const what = options.replace === undefined ? `one-time enrolment token for site ${options.site}` : `one-time token replacing the credentials of gateway ${options.replace} (site ${options.site})`
      console.error(`${what}, valid until ${new Date(expiresAt).toISOString()}; it is not shown again`)
    })
}
