/**
 * A broker that speaks only MQTT 3.1.1 (aedes 0.51, the fleet server's embedded broker; many field
 * brokers): the uplink asks for MQTT 5, is refused with "unacceptable protocol version", says so once,
 * and delivers over 3.1.1.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import aedes from 'aedes'
import { connect } from 'mqtt'
import { afterAll, expect, it } from 'vitest'
import { Outbox } from '../../../edge-agent/src/outbox/index.ts'
import { Uplink, type UplinkLogger } from '../../../edge-agent/src/uplink/index.ts'
import { freePort } from '../../support/ports.ts'
import { until } from '../../support/until.ts'

const dir = mkdtempSync(join(tmpdir(), 'uplink-311-'))
let server: Server | undefined
afterAll(() => {
  server?.close()
  rmSync(dir, { recursive: true, force: true })
})

it('falls back to MQTT 3.1.1 when the broker refuses 5, and delivers', async () => {
  const broker = await aedes.createBroker()
  server = createServer(broker.handle)
  const port = await freePort()
  await new Promise<void>((resolve) => server!.listen(port, '127.0.0.1', resolve))
  const url = `mqtt://127.0.0.1:${port}`
  const watcher = connect(url, { protocolVersion: 4 })
  await new Promise<void>((resolve) => watcher.once('connect', () => resolve()))
  const received: string[] = []
  watcher.on('message', (topic) => received.push(topic))
  await watcher.subscribeAsync('fleet/v1/#', { qos: 1 })

  const warnings: string[] = []
  const note = (a: unknown, b?: string) => warnings.push(typeof a === 'string' ? a : b ?? '')
  const logger: UplinkLogger = { debug: () => {}, info: () => {}, warn: note, error: note }
  const outbox = new Outbox({ path: join(dir, 'outbox.sqlite'), groupCommitMs: 20 })
  outbox.commitEvent({ type: 'agent-started', ts: Date.now(), version: '0.1.0', configHash: 'abc' })
  const uplink = new Uplink({ url, site: 's1', gateway: 'g1', outbox, logger, status: () => ({ agentVersion: '0.1.0', configHash: 'abc', uptimeS: 0, bufferDepth: 0 }), reconnectMinMs: 100, reconnectMaxMs: 500 })
  uplink.start()
  try {
    await until('the events message at the watcher', () => received.includes('fleet/v1/s1/g1/events'))
  } finally {
    await uplink.stop()
    outbox.close()
    await watcher.endAsync()
    await new Promise<void>((resolve) => broker.close(() => resolve()))
  }
  expect(received).toContain('fleet/v1/s1/g1/events')
  expect(received).toContain('fleet/v1/s1/g1/status')
  expect(warnings.filter((w) => w.includes('does not speak MQTT 5'))).toHaveLength(1)
})
