export { Outbox, OUTBOX_DEFAULTS, type NewEvent, type OutboxOptions, type TelemetryBatchText } from './outbox.ts'
export { ROW_MAX_BYTES, ROW_MAX_SAMPLES, type TelemetryRow } from './telemetry-rows.ts'
