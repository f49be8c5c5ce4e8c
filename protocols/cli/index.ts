export { EXIT_CODES, parseInteger, RuntimeError, UsageError } from './errors.ts'
export { describeFailure, failureReport, nativeModuleFailure } from './failure.ts'
