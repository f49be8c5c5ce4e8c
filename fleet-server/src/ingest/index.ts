export { Ingest, DEFAULT_HEARTBEAT_TIMEOUT_MS, silentLogger, type IngestOptions, type IngestResult, type Logger } from './ingest.ts'
export { startIngest, INGEST_TOPICS, DEFAULT_INGEST_CLIENT_ID, type RunningIngest, type StartIngestOptions } from './client.ts'
export type { IngestRejectReason, IngestSink, IngestStats } from './types.ts'
