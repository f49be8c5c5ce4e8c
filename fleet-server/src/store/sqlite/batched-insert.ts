import type { Database, Statement } from 'better-sqlite3'

/**
 * An INSERT of many rows per statement (`VALUES (…), (…), …`): one call into SQLite per `chunk`
 * rows instead of one per row, which is most of the per-row cost for small rows. Rows are pushed
 * flat (`columns` values each) and written by flush().
 */
export class BatchedInsert {
  private readonly full: Statement
  private readonly single: Statement
  private readonly params: unknown[] = []

  constructor(db: Database, private readonly head: string, private readonly columns: number, tail = '', private readonly chunk = 64) {
    const row = `(${Array.from({ length: columns }, () => '?').join(', ')})`
    this.full = db.prepare(`${head} VALUES ${Array.from({ length: chunk }, () => row).join(', ')} ${tail}`)
    this.single = db.prepare(`${head} VALUES ${row} ${tail}`)
  }

  push(...values: unknown[]): void {
    for (const value of values) this.params.push(value)
    this.pushed()
  }

  /** push() for 4 and 8 columns, without an array per row */
  push4(a: unknown, b: unknown, c: unknown, d: unknown): void {
    this.params.push(a, b, c, d)
    this.pushed()
  }

  push8(a: unknown, b: unknown, c: unknown, d: unknown, e: unknown, f: unknown, g: unknown, h: unknown): void {
    this.params.push(a, b, c, d, e, f, g, h)
    this.pushed()
  }

  private pushed(): void {
    if (this.params.length === this.columns * this.chunk) {
      this.full.run(this.params)
      this.params.length = 0
    }
  }

  flush(): void {
    for (let at = 0; at < this.params.length; at += this.columns) this.single.run(this.params.slice(at, at + this.columns))
    this.params.length = 0
  }

  /** forget rows pushed but not flushed (their transaction failed) */
  discard(): void {
    this.params.length = 0
  }
}
