import { readFileSync } from 'node:fs'
import type { Command } from 'commander'
import { RuntimeError, UsageError } from '../../../protocols/cli/index.ts'
import type { ProvisionArguments } from '../provision/index.ts'

export function registerProvisionCommand(program: Command): void {
  program.command('provision')
    .description('enrol this gateway at the fleet server with a one-time token: writes the broker credentials (mode 0600) and the config\'s gateway and uplink (comments kept), then checks the MQTT login; run again, it says "already provisioned" without spending the token')
    .requiredOption('--server <url>', 'the fleet server, https://host:port')
    .option('--token <token>', 'the one-time enrolment token or short code from the fleet server')
    .option('--token-file <file>', 'read the token from a file (- for stdin) instead: what is on the command line every local user sees in ps')
    .requiredOption('--config <file>', 'gateway config YAML to fill in')
    .option('--ca <file>', 'CA certificate (PEM) that signed the server\'s certificate; also pinned as uplink.caFile for an mqtts:// broker')
    .option('--gateway <id>', 'gateway id (default: the config\'s gateway.id)')
    .action(async (options: ProvisionArguments) => {
      // loaded here: mqtt.js and the config checks only for this command
      const { provision, provisionInputs, ProvisionError } = await import('../provision/index.ts')
      try {
        console.log(await provision(provisionInputs(options, process.cwd(), (file) => readFileSync(file, 'utf8'))))
      } catch (error) {
        if (!(error instanceof ProvisionError)) throw error
        throw error.invalidInput ? new UsageError(error.message, { cause: error }) : new RuntimeError(error.message, { cause: error })
      }
    })
}
