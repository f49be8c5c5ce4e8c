export { Outbox, type OutboxOptions } from './outbox.ts'
export type { NewEvent } from './journal.ts'
export type { TelemetryBatchText } from './batching.ts'
export { SAFETY_SECTIONS, type SafetyRecord, type SafetySection } from './safety-records.ts'
