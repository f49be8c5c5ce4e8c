export { provision } from './provision.ts'
export { provisionInputs, type ProvisionArguments } from './inputs.ts'
export { ProvisionError } from './errors.ts'
