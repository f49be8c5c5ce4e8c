import { Command, CommanderError } from 'commander'
import { EXIT_CODES, failureReport } from '../../../protocols/cli/index.ts'
import { registerCheckCommand } from './check.ts'
import { registerOperatorCommands } from './operator.ts'
import { registerPresetCommands } from './presets.ts'
import { registerProfileCommands } from './profiles.ts'
import { registerProvisionCommand } from './provision.ts'
import { registerReadCommand } from './read.ts'
import { registerRunCommand } from './run.ts'
import { registerScanCommand } from './scan.ts'
import { registerCommissionCommand } from './commission.ts'
import { registerSimulateCommand } from './simulate.ts'

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
registerProvisionCommand(program)
registerScanCommand(program)
registerReadCommand(program)
registerCommissionCommand(program)

try {
  await program.parseAsync(process.argv)
  process.exit(EXIT_CODES.done)
} catch (error) {
  // commander has printed its own message (or the help)
  if (error instanceof CommanderError) process.exit(error.exitCode === 0 ? EXIT_CODES.done : EXIT_CODES.invalidInput)
  const { lines, exitCode } = failureReport('edge-agent', error)
  console.error(lines.join('\n'))
  process.exit(exitCode)
}
