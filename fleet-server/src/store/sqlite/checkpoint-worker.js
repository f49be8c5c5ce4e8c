// Plain JavaScript: a worker thread does not get the TypeScript loader the fleet server runs under.
// Copies the write-ahead log into the database file on its own connection (PRAGMA wal_checkpoint,
// PASSIVE: never waits for nor blocks the writer), so the ingest's event loop never stalls on the
// checkpoint's writes and fsync. See checkpointer.ts.
import { parentPort, workerData } from 'node:worker_threads'
import Database from 'better-sqlite3'

const db = new Database(workerData.path, { fileMustExist: true })
const checkpoint = () => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)')
  } catch (error) {
    parentPort.postMessage({ error: error instanceof Error ? error.message : String(error) })
  }
}
const timer = setInterval(checkpoint, workerData.everyMs)
parentPort.on('message', (message) => {
  if (message !== 'stop') return
  clearInterval(timer)
  checkpoint()
  db.close()
  parentPort.close()
})
