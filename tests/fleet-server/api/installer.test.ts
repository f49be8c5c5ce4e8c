import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { InstallerSite } from '../../../fleet-server/src/api/index.ts'
import { fixture, NOW, type Fixture } from './fixture.ts'

let f: Fixture
beforeEach(async () => { f = await fixture() })
afterEach(async () => { await f.close() })

const installerSites = async (as?: string) => f.app.inject({ method: 'GET', url: '/api/installer/sites', headers: as === undefined ? {} : await f.as(as) })

/** what the catalog (seeds/regulations.yaml) requires of a tailings pond: the mine systems, then tailings monitoring */
const TAILINGS_POND = ['monitoring', 'personnel-positioning', 'emergency-refuge', 'compressed-air-rescue', 'water-supply-rescue', 'communication', 'tailings-monitoring']

describe('GET /api/installer/sites', () => {
  it('an installer gets its assigned site only: gateways, devices by required system, and the required systems without a reporting device', async () => {
    const reply = await installerSites('inst')
    expect(reply.statusCode).toBe(200)
    const sites = reply.json<InstallerSite[]>()
    expect(sites.map((s) => s.site.id)).toEqual(['site-a2'])
    const [site] = sites
    expect(site!.gateways.map((g) => [g.id, g.enrolled])).toEqual([['gw-a2', false]])
    expect(site!.systems.map((s) => s.system)).toEqual(TAILINGS_POND)
    expect(site!.systems.filter((s) => s.devices.length > 0).map((s) => [s.system, s.devices.map((d) => d.id)])).toEqual([['monitoring', ['ch4-1']]])
    // the seeded readings are 9 minutes old: the monitoring device is there but not reporting
    expect(site!.missingSystems).toEqual(TAILINGS_POND)
  })

  it('a system whose device sends good data now is no longer missing', async () => {
    f.store.storeTelemetry({ gatewayId: 'gw-a2', samples: [{ seq: 10, device: 'ch4-1', channel: 'ch4', ts: NOW, value: 0.3, quality: 'good' }], ranges: [{ first: 10, last: 10 }], duplicates: 0, now: NOW })
    const [site] = (await installerSites('inst')).json<InstallerSite[]>()
    expect(site!.systems[0]).toMatchObject({ system: 'monitoring', required: true, reporting: 1 })
    expect(site!.missingSystems).toEqual(TAILINGS_POND.filter((s) => s !== 'monitoring'))
  })

  it('an admin gets every site; other roles 403; no session 401', async () => {
    expect((await installerSites('admin')).json<InstallerSite[]>().map((s) => s.site.id).sort()).toEqual(['site-a1', 'site-a2', 'site-b1'])
    for (const user of ['reg-ys', 'ent-a', 'ent-b']) expect((await installerSites(user)).statusCode, user).toBe(403)
    expect((await installerSites()).statusCode).toBe(401)
  })
})
