/**
 * The edge agent's public entry point: what a program that composes agents — the fleet server's
 * demo — may use. Everything else under edge-agent/src is the agent's own (the boundary rules in
 * .dependency-cruiser.cjs hold anyone else to this file).
 */
export { Agent, type UplinkFactory } from './agent.ts'
export { parseConfig, type GatewayConfig, type ParsedConfig } from './config/index.ts'
export { DeviceSchema, InterlockSchema } from './config/schema.ts'
export { createLogger } from './log.ts'
export { startSimulator, type Simulator } from './simulator/index.ts'
export { SCENARIOS } from './simulator/scenarios.ts'
export { Uplink, type Credentials } from './uplink/index.ts'
