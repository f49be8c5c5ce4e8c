/**
 * The control socket names the OS account of its caller beside `--by` (issue 15, hole 9): the real
 * `edge-agent bypass` CLI, as a child process, against a control server in front of a real safety
 * service; the name given with --by is recorded, and so is the account the kernel reports for the peer.
 */
import { appendFileSync } from 'node:fs'
import { join } from 'node:path'
import { userInfo } from 'node:os'
import pino from 'pino'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { loadConfigFile } from '../../../edge-agent/src/config/index.ts'
import { ControlServer, controlSocketPath } from '../../../edge-agent/src/control/index.ts'
import type { InterlockSpec } from '../../../edge-agent/src/interlocks/spec.ts'
import { Outbox } from '../../../edge-agent/src/outbox/index.ts'
import { SafetyService } from '../../../edge-agent/src/safety/service.ts'
import type { InterlockEvent } from '../../../protocols/mqtt/index.ts'
import { tcpBus, tempDir, writeGatewayConfig, type TempDir } from '../../support/gateway-config.ts'
import { run } from '../../support/processes.ts'
import { CLI } from '../../support/store-forward.ts'

const INTERLOCK: InterlockSpec = {
  id: 'cut', mode: 'any',
  conditions: [{ kind: 'value', device: 'ch4', channel: 'ch4', op: 'above', value: 1.5 }],
  action: { device: 'relay', channel: 'cut_1', value: true, restoreValue: false, feedback: { device: 'relay', channel: 'feed_1', whenTripped: false, whenRestored: true }, feedbackMs: 2000 },
  failSafe: true, silentAfterMs: 3_600_000, restoreAfterMs: 0, manualReset: true, maxBypassMs: 3_600_000,
}

let dir: TempDir
let file: string
let outbox: Outbox
let safety: SafetyService
let server: ControlServer

beforeAll(async () => {
  dir = tempDir('peer-user')
  file = writeGatewayConfig(dir.path, {
    buses: [tcpBus('plc', 1502)],
    devices: [{ id: 'cl2-1', bus: 'plc', unit: 1, profile: 'generic-gq-cl2-net-chlorine' }],
  })
  appendFileSync(file, 'buffer:\n  path: data/outbox.sqlite\n')
  outbox = new Outbox({ path: join(dir.path, 'safety.sqlite') })
  safety = new SafetyService({ alarms: [], interlocks: [INTERLOCK], calibrations: [], daily: [] }, {
    store: outbox, outputs: { write: async () => {}, pollSoon: () => {} }, logger: pino({ level: 'silent' }), timeZone: 'UTC', tickMs: 3_600_000,
  })
  safety.start()
  server = new ControlServer({ path: controlSocketPath(loadConfigFile(file)), logger: { info: () => {}, warn: () => {} }, handler: (name, args) => safety.handleCommand(name, args) })
  await server.start()
})
afterAll(async () => {
  await server?.stop()
  safety?.stop()
  outbox?.close()
  dir?.remove()
})

it('edge-agent bypass --by "someone (forged)": the recorded event also names the OS user of the caller', async () => {
  const result = await run(process.execPath, [CLI, 'bypass', '--config', file, '--interlock', 'cut', '--reason', 'calibration of ch4', '--minutes', '5', '--by', 'someone (forged)'])
  expect(result.code, result.stderr).toBe(0)
  const events = outbox.nextEvents(0, 100).filter((e): e is InterlockEvent => e.type === 'interlock' && e.state === 'bypassed')
  expect(events).toHaveLength(1)
  const { username, uid } = userInfo()
  expect(events[0]!.by).toContain('someone (forged)')
  expect(events[0]!.by).toContain(`OS user ${username} (uid ${uid})`)
})
