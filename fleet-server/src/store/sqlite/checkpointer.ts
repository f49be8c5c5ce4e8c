import type { Database } from 'better-sqlite3'
import { Worker } from 'node:worker_threads'

/** how often the worker copies the write-ahead log into the database */
const CHECKPOINT_EVERY_MS = 1000
/** the log file is cut back to this size after a checkpoint (it is reused, not grown, otherwise) */
const JOURNAL_SIZE_LIMIT = 64 * 1024 * 1024

/**
 * Checkpoints the write-ahead log from a worker thread instead of at the commit that crosses
 * SQLite's 1,000-page mark: that commit would otherwise copy the log into the database and fsync
 * both on the event loop, stalling the ingest and the API for tens of milliseconds each time.
 */
export class BackgroundCheckpointer {
  private readonly worker: Worker
  private stopped: Promise<void> | undefined

  constructor(db: Database, onError: (message: string) => void = () => undefined, everyMs = CHECKPOINT_EVERY_MS) {
    db.pragma('wal_autocheckpoint = 0')
    db.pragma(`journal_size_limit = ${JOURNAL_SIZE_LIMIT}`)
    this.worker = new Worker(new URL('./checkpoint-worker.js', import.meta.url), { workerData: { path: db.name, everyMs } })
    this.worker.on('message', (m: { error?: string }) => m.error && onError(m.error))
    this.worker.on('error', (error) => onError(error.message))
    this.worker.unref()
  }

  /** A last checkpoint, then the worker's connection closes. */
  stop(): Promise<void> {
    this.stopped ??= new Promise<void>((resolve) => {
      this.worker.once('exit', () => resolve())
      // held until it exits: otherwise a process with nothing else to do ends before the last checkpoint
      this.worker.ref()
      this.worker.postMessage('stop')
    })
    return this.stopped
  }
}
