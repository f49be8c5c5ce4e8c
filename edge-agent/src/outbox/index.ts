export { Outbox, type OutboxOptions } from './outbox.ts'
export type { NewEvent } from './journal.ts'
export type { SafetyRecord, SafetySection } from './safety-records.ts'
