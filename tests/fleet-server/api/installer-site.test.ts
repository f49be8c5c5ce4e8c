import { describe, expect, it } from 'vitest'
import type { Device, SiteDetail } from '../../../fleet-server/src/api/index.ts'
import { installerSiteView } from '../../../fleet-server/src/routes/installer-site.ts'

const device = (id: string, system?: string): Device => ({ gatewayId: 'gw-1', id, siteId: 'site-1', profile: 'p', state: 'online', readings: [], ...(system !== undefined && { system }) })

function detail(devices: Device[], systems: SiteDetail['systems']): SiteDetail {
  return {
    site: { id: 'site-1', name: 'S', type: 'coal-mine', enterpriseId: 'e', enterpriseName: 'E', jurisdiction: 'J', gateways: { total: 1, online: 1 }, devices: { total: devices.length, online: 0, fault: 0, offline: 0 }, activeAlarms: 0, unacknowledgedAlarms: 0, lastSeen: null },
    systems,
    gateways: [{ id: 'gw-1', siteId: 'site-1', state: 'online', agentVersion: '1.2.3', configHash: null, bufferDepth: null, uptimeS: null, lastSeen: 5, enrolled: true }],
    devices,
    activeAlarms: [],
    interlockActions: [],
  }
}

const groups = (view: ReturnType<typeof installerSiteView>) => view.systems.map((s) => [s.system, s.required, s.reporting, s.devices.map((d) => d.id)])

describe('installerSiteView', () => {
  it('groups the devices by system: the required ones first in the catalog\'s order (also without devices), then the others, then none', () => {
    const view = installerSiteView(detail(
      [device('d1', 'water-supply-rescue'), device('d2'), device('d3', 'monitoring'), device('d4', 'extra'), device('d5', 'monitoring'), device('d6', 'aaa-other')],
      [{ system: 'aaa-other', devices: 1, reporting: 1 }, { system: 'extra', devices: 1, reporting: 0 }, { system: 'monitoring', devices: 2, reporting: 1 }, { system: 'water-supply-rescue', devices: 1, reporting: 0 }],
    ), ['monitoring', 'communication', 'water-supply-rescue'])
    expect(groups(view)).toEqual([
      ['monitoring', true, 1, ['d3', 'd5']],
      ['communication', true, 0, []],
      ['water-supply-rescue', true, 0, ['d1']],
      ['aaa-other', false, 1, ['d6']],
      ['extra', false, 0, ['d4']],
      [null, false, 0, ['d2']],
    ])
  })

  it('names the required systems no device reports for: none present, or present but silent', () => {
    const view = installerSiteView(detail(
      [device('d1', 'monitoring'), device('d2', 'communication')],
      [{ system: 'communication', devices: 1, reporting: 0 }, { system: 'monitoring', devices: 1, reporting: 1 }],
    ), ['monitoring', 'communication', 'personnel-positioning'])
    expect(view.missingSystems).toEqual(['communication', 'personnel-positioning'])
  })

  it('a site the catalog binds to nothing misses nothing; its gateways and summary pass through', () => {
    const site = detail([device('d1', 'monitoring')], [{ system: 'monitoring', devices: 1, reporting: 0 }])
    const view = installerSiteView(site, [])
    expect(view.missingSystems).toEqual([])
    expect(groups(view)).toEqual([['monitoring', false, 0, ['d1']]])
    expect(view.gateways).toBe(site.gateways)
    expect(view.site).toBe(site.site)
  })
})
