/** The CLI's error classes and argument parsing are the edge agent's: one exit-code contract for both programs. */
export { parseInteger, RuntimeError, UsageError } from '../../../edge-agent/src/cli/usage-error.ts'
export { describeFailure, nativeModuleFailure } from '../../../edge-agent/src/cli/failure.ts'
