import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { connectAsync } from 'mqtt'
import { afterAll, describe, expect, it } from 'vitest'
import { hashToken, newToken } from '../../../fleet-server/src/auth/index.ts'
import { startFleetServer } from '../../../fleet-server/src/server.ts'
import { freePort } from '../../support/ports.ts'

const dir = mkdtempSync(join(tmpdir(), 'fleet-server-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const canListen = (port: number) => new Promise<boolean>((resolve) => {
  const probe = createServer().once('error', () => resolve(false)).listen({ port, host: '127.0.0.1', exclusive: true }, () => probe.close(() => resolve(true)))
})

describe('startFleetServer', () => {
  it('serves the API with the embedded broker, enrols a gateway that can then connect, and closes cleanly', async () => {
    const [port, mqttPort] = [await freePort(), await freePort()]
    const server = await startFleetServer({ port, mqttPort, dbPath: join(dir, 'db', 'fleet.sqlite'), webRoot: dir })
    try {
      expect(server.url).toBe(`http://127.0.0.1:${port}`)
      expect(server.mqttUrl).toBe(`mqtt://127.0.0.1:${mqttPort}`)
      const health = await (await fetch(`${server.url}/api/health`)).json()
      expect(health).toMatchObject({ ok: true, mqtt: { connected: true, url: server.mqttUrl } })

      server.store.upsertEnterprise({ id: 'ent-a', name: '甲' })
      server.store.upsertSite({ id: 'site-1', enterpriseId: 'ent-a', name: '一号矿', type: 'coal-mine', jurisdiction: '涌山镇' })
      const token = newToken()
      server.store.createEnrollToken(hashToken(token), 'site-1', Date.now() + 60_000)
      const enrolled = await fetch(`${server.url}/api/enroll`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token, gatewayId: 'gw-1' }) })
      expect(enrolled.status).toBe(200)
      const credentials = await enrolled.json() as { username: string; password: string; mqttUrl: string }
      const gateway = await connectAsync(credentials.mqttUrl, { username: credentials.username, password: credentials.password, clientId: 'edge-site-1-gw-1', reconnectPeriod: 0 })
      await gateway.endAsync()
    } finally {
      await server.close()
    }
    expect(await canListen(port)).toBe(true)
    expect(await canListen(mqttPort)).toBe(true)
    await server.close()
  })
})
