export { deviceKey, deviceTests, passesOf, runPasses, type RunPasses } from './device-tests.ts'
export { periodicTestsSummary } from './summary.ts'
