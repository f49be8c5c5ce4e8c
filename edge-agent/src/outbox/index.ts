export { Outbox, OUTBOX_DEFAULTS, type NewEvent, type OutboxOptions } from './outbox.ts'
