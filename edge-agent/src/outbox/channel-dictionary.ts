import type { Database as Db, Statement } from 'better-sqlite3'

const UNKNOWN = 'unknown/unknown'

/**
 * The gateway's channel dictionary: every "device/channel" ever stored gets a global id (1, 2, …)
 * in the `channels` table, never renumbered. A row stores id − 1, the channel's index in the
 * dictionary a wire batch starts from.
 */
export class ChannelDictionary {
  private readonly idByName = new Map<string, number>()
  private readonly nameById = new Map<number, string>()
  /** the JSON string literal of each name, as a batch's dictionary holds it */
  private readonly jsonById = new Map<number, string>()
  private readonly insert: Statement

  constructor(db: Db) {
    this.insert = db.prepare('INSERT INTO channels (device, channel) VALUES (?, ?) RETURNING id')
    for (const row of db.prepare('SELECT id, device, channel FROM channels').all() as { id: number; device: string; channel: string }[]) {
      this.remember(row.id, `${row.device}/${row.channel}`)
    }
  }

  /** The global id of device/channel, created if it is new (inside the caller's transaction). */
  idOf(device: string, channel: string): number {
    const id = this.idByName.get(`${device}/${channel}`)
    if (id !== undefined) return id
    const created = (this.insert.get(device, channel) as { id: number }).id
    this.remember(created, `${device}/${channel}`)
    return created
  }

  /** "device/channel" at an index of the dictionary (global id − 1). */
  nameAt(index: number): string {
    return this.nameById.get(index + 1) ?? UNKNOWN
  }

  nameJsonAt(index: number): string {
    return this.jsonById.get(index + 1) ?? JSON.stringify(UNKNOWN)
  }

  /** "device/channel" of a global id. */
  nameOf(id: number): string {
    return this.nameById.get(id) ?? UNKNOWN
  }

  private remember(id: number, name: string): void {
    this.idByName.set(name, id)
    this.nameById.set(id, name)
    this.jsonById.set(id, JSON.stringify(name))
  }
}
