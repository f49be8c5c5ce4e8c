import { Command, CommanderError } from 'commander'
import { EXIT_CODES, failureReport } from '../../../protocols/cli/index.ts'
import { registerAuditCommands } from './audit.ts'
import { registerEnrollTokenCommand } from './enroll-token.ts'
import { registerGatewayCommands } from './gateway.ts'
import { registerImportCommand } from './import.ts'
import { registerStartCommand } from './start.ts'
import { registerUserCommands } from './users.ts'

const program = new Command('fleet-server')
  .description('Fleet server for industrial safety monitoring: HTTP API and dashboard, MQTT ingest, users and gateway enrolment')
  .showHelpAfterError()
  .exitOverride()

registerStartCommand(program)
registerUserCommands(program)
registerEnrollTokenCommand(program)
registerGatewayCommands(program)
registerImportCommand(program)
registerAuditCommands(program)

try {
  await program.parseAsync(process.argv)
  process.exit(typeof process.exitCode === 'number' ? process.exitCode : EXIT_CODES.done)
} catch (error) {
  // commander has printed its own message (or the help)
  if (error instanceof CommanderError) process.exit(error.exitCode === 0 ? EXIT_CODES.done : EXIT_CODES.invalidInput)
  const { lines, exitCode } = failureReport('fleet-server', error)
  console.error(lines.join('\n'))
  process.exit(exitCode)
}
