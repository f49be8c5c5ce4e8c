import { Command, CommanderError } from 'commander'
import { InvalidInputError, formatProblem } from '../../../protocols/validation/index.ts'
import { registerCheckCommand } from './check.ts'
import { describeFailure } from './failure.ts'
import { registerOperatorCommands } from './operator.ts'
import { registerPresetCommands } from './presets.ts'
import { registerProfileCommands } from './profiles.ts'
import { registerRunCommand } from './run.ts'
import { registerSimulateCommand } from './simulate.ts'
import { RuntimeError, UsageError } from './usage-error.ts'

const EXIT_RUNTIME = 1
const EXIT_INVALID_INPUT = 2

const program = new Command('edge-agent')
  .description('Edge agent for industrial safety monitoring: Modbus polling, edge alarms and interlocks, store-and-forward MQTT')
  .showHelpAfterError()
  .exitOverride()

registerRunCommand(program)
registerProfileCommands(program)
registerCheckCommand(program)
registerSimulateCommand(program)
registerOperatorCommands(program)
registerPresetCommands(program)

try {
  await program.parseAsync(process.argv)
  process.exit(0)
} catch (error) {
  if (error instanceof CommanderError) {
    process.exit(error.exitCode === 0 ? 0 : EXIT_INVALID_INPUT)
  } else if (error instanceof InvalidInputError) {
    for (const problem of error.problems) console.error(formatProblem(problem))
    process.exit(EXIT_INVALID_INPUT)
  } else if (error instanceof UsageError) {
    console.error(`edge-agent: ${error.message}`)
    process.exit(EXIT_INVALID_INPUT)
  } else if (error instanceof RuntimeError) {
    console.error(error.message.split('\n').map((line) => `edge-agent: ${line}`).join('\n'))
    process.exit(EXIT_RUNTIME)
  } else {
    console.error(describeFailure(error).split('\n').map((line) => `edge-agent: ${line}`).join('\n'))
    process.exit(EXIT_RUNTIME)
  }
}
