/**
 * The fleet server's pure telemetry core, used by the ingest (checking a batch as it arrives) and the
 * store (what a batch adds to the roll-ups, latest values and minute bitmaps): no I/O here.
 */
export { checkTelemetry, keptSamples, packSamples, scanKept, type KnownTelemetryMap, type PackedTelemetry } from './packed-telemetry.ts'
export { Aggregates } from './aggregates.ts'
export { countMinutes, dayName, emptyDayBitmap, hasMinute, localDayOfMinute, minuteOf, setMinute } from './device-minutes.ts'
