import type { Database, Statement } from 'better-sqlite3'
import { addDays } from '../../../../protocols/calendar/index.ts'
import type { Inventory } from '../../../../protocols/mqtt/index.ts'
import { profileFacts } from './profiles.ts'

/**
 * The rows a gateway's inventory writes: one per device it names (its profile, place and identity,
 * the calibration due date its profile's interval gives), and none for a device it no longer names.
 * Run inside the caller's transaction (IngestWriter's message).
 */
export class InventoryWrites {
  private readonly sql: Record<'device' | 'devicesOf' | 'dropDevice', Statement>

  constructor(db: Database) {
    const p = (sql: string) => db.prepare(sql)
    this.sql = {
      device: p(`INSERT INTO devices (gateway_id, id, site_id, profile, profile_version, bus, unit, location, system, vendor, model, firmware, calibrated_on, calibration_due, kind)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (gateway_id, id) DO UPDATE SET site_id = excluded.site_id, profile = excluded.profile,
        profile_version = excluded.profile_version, kind = excluded.kind, bus = excluded.bus, unit = excluded.unit, location = excluded.location, system = excluded.system,
        vendor = excluded.vendor, model = excluded.model, firmware = excluded.firmware,
        calibrated_on = coalesce(excluded.calibrated_on, calibrated_on), calibration_due = coalesce(excluded.calibration_due, calibration_due)`),
      devicesOf: p('SELECT id FROM devices WHERE gateway_id = ?'),
      dropDevice: p('DELETE FROM devices WHERE gateway_id = ? AND id = ?'),
    }
  }

  write(gatewayId: string, siteId: string, inventory: Inventory): void {
    const listed = new Set<string>()
    for (const d of inventory.devices) {
      listed.add(d.device)
      const interval = profileFacts(d.profile)?.calibrationIntervalDays
      const due = d.calibratedOn !== undefined && interval !== undefined ? addDays(d.calibratedOn, interval) : null
      const identity = d.identity ?? {}
      const firmware = identity.firmware ?? identity.revision ?? identity.majorMinorRevision ?? null
      this.sql.device.run(gatewayId, d.device, siteId, d.profile, d.profileVersion, d.bus, d.unit, d.location ?? null, d.system ?? null,
        d.vendor, d.model, firmware, d.calibratedOn ?? null, due, d.kind ?? null)
    }
    // the inventory is the gateway's whole device list (retained): what it no longer names is gone
    for (const { id } of this.sql.devicesOf.all(gatewayId) as { id: string }[]) if (!listed.has(id)) this.sql.dropDevice.run(gatewayId, id)
  }
}
