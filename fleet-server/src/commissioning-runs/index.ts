export { testedInstallations, type RunOutcome, type SystemDevice, type TestedInstallation } from './tested-installations.ts'
