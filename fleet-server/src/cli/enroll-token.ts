import type { Command } from 'commander'
import { DEFAULT_DB_PATH, ENROLL_TOKEN_HOURS, MAX_ENROLL_TOKEN_HOURS } from '../defaults.ts'
import { mintEnrollToken, type MintRefusal } from '../enrolment/mint-token.ts'
import { UsageError, parseInteger } from '../../../protocols/cli/index.ts'
import { cliActor, withStore } from './open-store.ts'

export function registerEnrollTokenCommand(program: Command): void {
  program.command('enroll-token')
    .description('create a one-time token a gateway of the site exchanges for its MQTT credentials (edge-agent provision); printed once, stored hashed. '
      + 'It enrols a gateway id that has no credentials; --replace mints one for an enrolled gateway (a new device, a lost password). '
      + 'The short code on stderr is the same token for a person to type; using either uses the token')
    .requiredOption('--site <id>', 'the site the gateway belongs to')
    .option('--replace <gateway>', 'the enrolled gateway of the site whose credentials the token replaces: the old ones stop working and its session is closed when the token is used')
    .option('--hours <n>', 'hours the token stays valid', String(ENROLL_TOKEN_HOURS))
    .option('--db <file>', 'the fleet database', DEFAULT_DB_PATH)
    .action(async (options: { site: string; replace?: string; hours: string; db: string }) => {
      const hours = parseInteger(options.hours, '--hours', 1, MAX_ENROLL_TOKEN_HOURS)
      const minted = await withStore(options.db, (store) => {
        const outcome = mintEnrollToken(store, { siteId: options.site, hours, replaces: options.replace, actor: cliActor() }, Date.now())
        if ('refusal' in outcome) throw new UsageError(refusalLine(outcome.refusal, options.site))
        return outcome.minted
      })
      console.log(minted.token)
      const what = minted.replaces === undefined ? `one-time enrolment token for site ${minted.siteId}` : `one-time token replacing the credentials of gateway ${minted.replaces} (site ${minted.siteId})`
      console.error(`${what}, valid until ${new Date(minted.expiresAt).toISOString()}; short code ${minted.shortCode} (the same token); it is not shown again`)
    })
}

function refusalLine(refusal: MintRefusal, siteId: string): string {
  switch (refusal.reason) {
    case 'no-such-site': return `--site ${refusal.siteId}: no such site`
    case 'no-such-gateway': return `--replace ${refusal.gatewayId}: no such gateway`
    case 'gateway-of-other-site': return `--replace ${refusal.gatewayId}: gateway ${refusal.gatewayId} belongs to site ${refusal.siteId}, not ${siteId}`
  }
}
