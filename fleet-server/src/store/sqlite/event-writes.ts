import type { Database, Statement } from 'better-sqlite3'
import type { AgentEvent } from '../../../../protocols/mqtt/index.ts'
import { AlarmLifecycle } from './alarm-lifecycle.ts'
import type { CommissioningRunWrites, RunDisposition } from './commissioning-run-writes.ts'

const DEVICE_STATES = new Set(['online', 'offline', 'fault'])

/**
 * The rows an agent's events write: each event in the event log, and what some of them change — a
 * device's state and calibration, the gateway's agent version, the interlock actions and the
 * alarms' lifecycle; a commissioning event's run is kept (or refused) by CommissioningRunWrites. Run
 * inside the caller's transaction (IngestWriter's message).
 */
export class EventWrites {
  private readonly sql: Record<'event' | 'deviceState' | 'calibration' | 'agentStarted' | 'interlock', Statement>
  private readonly alarms: AlarmLifecycle

  constructor(db: Database, private readonly runs: CommissioningRunWrites) {
    const p = (sql: string) => db.prepare(sql)
    this.sql = {
      event: p('INSERT OR IGNORE INTO events (gateway_id, seq, ts, type, body) VALUES (?, ?, ?, ?, ?)'),
      // the agent reports a device's state as soon as it has polled it, before its first inventory: keep a
      // placeholder row the inventory completes, rather than lose the state
      deviceState: p(`INSERT INTO devices (state, gateway_id, id, site_id, profile) VALUES (?, ?, ?, ?, '')
        ON CONFLICT (gateway_id, id) DO UPDATE SET state = excluded.state`),
      calibration: p(`INSERT INTO devices (calibrated_on, calibration_due, gateway_id, id, site_id, profile) VALUES (?, ?, ?, ?, ?, '')
        ON CONFLICT (gateway_id, id) DO UPDATE SET calibrated_on = excluded.calibrated_on, calibration_due = excluded.calibration_due`),
      agentStarted: p('UPDATE gateways SET agent_version = ?, config_hash = ? WHERE id = ?'),
      interlock: p(`INSERT OR IGNORE INTO interlock_actions (gateway_id, seq, site_id, ts, interlock, state, phase, cause, reason, by, until, test)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    }
    this.alarms = new AlarmLifecycle(db)
  }

  /** `runs`: what becomes of each commissioning event (CommissioningRunWrites.classify), by seq */
  write(gatewayId: string, siteId: string, events: readonly AgentEvent[], runs: ReadonlyMap<number, RunDisposition>, now: number): void {
    for (const event of events) {
      if (event.type === 'commissioning') {
        const disposition = runs.get(event.seq)
        if (disposition !== undefined) this.runs.write(gatewayId, siteId, disposition, now)
        continue
      }
      this.sql.event.run(gatewayId, event.seq, event.ts, event.type, JSON.stringify(event))
      switch (event.type) {
        case 'device-state':
          this.sql.deviceState.run(DEVICE_STATES.has(event.to) ? event.to : 'unknown', gatewayId, event.device, siteId)
          break
        case 'calibration':
          this.sql.calibration.run(event.calibratedOn, event.dueOn, gatewayId, event.device, siteId)
          break
        case 'agent-started':
          this.sql.agentStarted.run(event.version, event.configHash, gatewayId)
          break
        case 'interlock':
          this.sql.interlock.run(gatewayId, event.seq, siteId, event.ts, event.interlock, event.state, event.phase ?? null,
            event.cause ?? null, event.reason ?? null, event.by ?? null, event.until ?? null, event.test === true ? 1 : 0)
          break
        case 'alarm':
          this.alarms.apply(gatewayId, siteId, event)
          break
        default:
          break
      }
    }
  }
}
