import { describe, expect, it } from 'vitest'
import type { Health, InstallerSite } from '../../../fleet-server/src/api/index.ts'
import { buildApp } from '../../../fleet-server/src/app.ts'
import { seedStore } from '../../../fleet-server/src/demo/seed-store.ts'
import { defaultSeedFile, loadDemoFleet } from '../../../fleet-server/src/demo/seed.ts'
import { openSqliteStore } from '../../../fleet-server/src/store/sqlite/index.ts'

describe('the demo\'s installer login', () => {
  it('sees its two assigned sites in the installer view, each with its gateway and the systems the catalog requires', async () => {
    const fleet = loadDemoFleet(defaultSeedFile())
    const installer = fleet.users.find((u) => u.role === 'installer')!
    const store = openSqliteStore(':memory:')
    await seedStore(store, fleet)
    const health = (): Health => ({ ok: true, version: 'test', uptimeS: 1, mqtt: { connected: true, url: 'mqtt://127.0.0.1:1883' }, ingest: { accepted: 0, duplicates: 0, rejected: {} } })
    const app = await buildApp({ store, health, commands: { send: async () => { throw new Error('no commands here') }, result: () => undefined } })
    try {
      const login = await app.inject({ method: 'POST', url: '/api/login', payload: { name: installer.name, password: installer.password } })
      expect(login.statusCode).toBe(200)
      const reply = await app.inject({ method: 'GET', url: '/api/installer/sites', headers: { authorization: `Bearer ${login.json<{ token: string }>().token}` } })
      const sites = reply.json<InstallerSite[]>()
      expect(sites.map((s) => s.site.id).sort()).toEqual([...installer.siteIds!].sort())
      for (const site of sites) {
        expect(site.gateways.map((g) => g.id)).toEqual([fleet.sites.find((s) => s.id === site.site.id)!.gateway.id])
        expect(site.systems.filter((s) => s.required).length, site.site.id).toBeGreaterThan(0)
      }
    } finally {
      await app.close()
      store.close()
    }
  })
})
