import { Command, CommanderError } from 'commander'
import { registerEnrollTokenCommand } from './enroll-token.ts'
import { RuntimeError, UsageError, describeFailure } from './errors.ts'
import { registerImportCommand } from './import.ts'
import { registerStartCommand } from './start.ts'
import { registerUserCommands } from './users.ts'

const EXIT_RUNTIME = 1
const EXIT_INVALID_INPUT = 2

const program = new Command('fleet-server')
  .description('Fleet server for industrial safety monitoring: HTTP API and dashboard, MQTT ingest, users and gateway enrolment')
  .showHelpAfterError()
  .exitOverride()

registerStartCommand(program)
registerUserCommands(program)
registerEnrollTokenCommand(program)
registerImportCommand(program)

try {
  await program.parseAsync(process.argv)
  process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0)
} catch (error) {
  if (error instanceof CommanderError) {
    process.exit(error.exitCode === 0 ? 0 : EXIT_INVALID_INPUT)
  } else if (error instanceof UsageError) {
    console.error(`fleet-server: ${error.message}`)
    process.exit(EXIT_INVALID_INPUT)
  } else if (error instanceof RuntimeError) {
    console.error(`fleet-server: ${error.message}`)
    process.exit(EXIT_RUNTIME)
  } else {
    console.error(describeFailure(error).split('\n').map((line) => `fleet-server: ${line}`).join('\n'))
    process.exit(EXIT_RUNTIME)
  }
}
