export { deviceSummaries } from './summary.ts'
export { testedInstallations, type RunOutcome, type SystemDevice, type TestedInstallation } from './tested-installations.ts'
