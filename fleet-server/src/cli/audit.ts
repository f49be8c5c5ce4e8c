import { existsSync } from 'node:fs'
import type { Command } from 'commander'
import { DEFAULT_DB_PATH } from '../defaults.ts'
import { auditSecretsFor, openSqliteStore } from '../store/sqlite/index.ts'
import { RuntimeError, UsageError } from '../../../protocols/cli/index.ts'

export function registerAuditCommands(program: Command): void {
  const audit = program.command('audit').description('the audit log: who signed in, enrolled, acknowledged, commissioned and commanded what')
  audit.command('verify')
    .description('check every entry of the audit log against its hash chain and head: finds an edited, inserted or deleted entry; exit 1 when one is found')
    .option('--db <file>', 'the fleet database', DEFAULT_DB_PATH)
    .action((options: { db: string }) => {
      if (!existsSync(options.db)) throw new UsageError(`--db ${options.db}: no such database`)
      const store = openSqliteStore(options.db, { auditSecrets: auditSecretsFor(options.db, { create: false }) })
      try {
        const { entries, problems } = store.audit.verify()
        if (problems.length > 0) {
          throw new RuntimeError([`the audit log of ${options.db} has been tampered with (${entries} entries read):`, ...problems.map((p) => `  ${p.problem}`)].join('\n'))
        }
        console.log(`audit log intact: ${entries} entries, each linked to the one before it and to the recorded head`)
      } finally {
        store.close()
      }
    })
}
