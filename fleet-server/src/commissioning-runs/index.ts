export { deviceSummaries } from './summary.ts'
export { testedInstallations, type RunOutcome, type SystemDevice } from './tested-installations.ts'
