/**
 * The fleet server's domain records, declared once as TypeBox schemas: what the store keeps and
 * returns, what compliance and reports compute, and what the HTTP API answers (its route schemas reuse
 * these). Every layer may import this folder; it imports only protocols/ and hardware-profiles/.
 */
export * from './alarm.ts'
export * from './audit.ts'
export * from './command-record.ts'
export * from './commissioning-run.ts'
export * from './compliance.ts'
export type * from './monthly-facts.ts'
export * from './monthly-report.ts'
export * from './periodic-test.ts'
export * from './series.ts'
export * from './site.ts'
export * from './user.ts'
