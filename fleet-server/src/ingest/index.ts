export { Ingest, type Logger } from './ingest.ts'
export { startIngest, type RunningIngest } from './client.ts'
