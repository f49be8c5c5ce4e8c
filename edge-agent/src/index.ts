/**
 * The edge agent's public entry point: what a program that composes agents — the fleet server's
 * demo — may use. Everything else under edge-agent/src is the agent's own (the boundary rules in
 * .dependency-cruiser.cjs hold anyone else to this file).
 */
export { Agent, AGENT_VERSION, type UplinkFactory } from './agent.ts'
export { commissionRun, type AgentCalls, type Installer } from './commission/runner.ts'
export type { Plan } from './commission/plan.ts'
export { signingKeyPath } from './commission/signing-key.ts'
export { parseConfig, safetySpecs, type GatewayConfig, type ParsedConfig } from './config/index.ts'
export { DeviceSchema, InterlockSchema } from './config/schema.ts'
export { isLocalCommandName } from './control/local-commands.ts'
export { createLogger } from './log.ts'
export { startSimulator, type Simulator } from './simulator/index.ts'
export { SCENARIOS } from './simulator/scenarios.ts'
export { Uplink, type Credentials } from './uplink/index.ts'
