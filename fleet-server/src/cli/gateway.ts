import type { Command } from 'commander'
import { DEFAULT_DB_PATH } from '../defaults.ts'
import { UsageError } from '../../../protocols/cli/index.ts'
import { cliActor, withStore } from './open-store.ts'

export function registerGatewayCommands(program: Command): void {
  const gateway = program.command('gateway').description('manage enrolled gateways')
  gateway.command('revoke')
    .description('revoke a gateway\'s MQTT credentials: a running server with the embedded broker refuses them at the next CONNECT and closes a session still open within seconds; '
      + 'enrolling it again takes a new token (enroll-token)')
    .argument('<id>', 'the gateway')
    .option('--db <file>', 'the fleet database', DEFAULT_DB_PATH)
    .action(async (id: string, options: { db: string }) => {
      await withStore(options.db, (store) => {
        if (!store.revokeGatewayCredentials(id)) throw new UsageError(`gateway ${id}: no such gateway`)
        store.audit.record({ actor: cliActor(), action: 'gateway-revoke', siteId: store.gatewaySite(id), subject: id, detail: {} })
      })
      console.log(`gateway ${id}: credentials revoked`)
    })
}
