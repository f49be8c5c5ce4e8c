export { EXIT_CODES, parseInteger, RuntimeError, UsageError, type ExitCode } from './errors.ts'
export { describeFailure, failureReport, nativeModuleFailure, type FailureReport } from './failure.ts'
