export { deviceKey, deviceTests, passesOf } from './device-tests.ts'
export { periodicTestsSummary } from './summary.ts'
