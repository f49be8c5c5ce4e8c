import { describe, expect, it } from 'vitest'

// The dashboard is browser JavaScript checked by its own tsconfig; load it by URL (unit: pure, no DOM).
const { routeOf, isComplianceRoute, showsInstaller } = await import(new URL('../../../fleet-server/web/routes.js', import.meta.url).href)

describe("the dashboard's hash routes", () => {
  it('opens the overview for no hash, #/ and anything it does not know', () => {
    for (const hash of ['', '#', '#/', '#/nowhere', '#/site/', '#/compliance/site/']) {
      expect(routeOf(hash), hash).toEqual({ name: 'overview', key: '/' })
    }
  })

  it('opens a site by its decoded id, keyed by the path', () => {
    expect(routeOf('#/site/GW%2001')).toEqual({ name: 'site', id: 'GW 01', key: '/site/GW%2001' })
    expect(routeOf('#/site/a/b')).toEqual({ name: 'site', id: 'a/b', key: '/site/a/b' })
  })

  it('carries the compliance filters of the hash, keyed by the whole hash', () => {
    const hash = `#/compliance?asOf=2026-11-30&siteType=coal-mine&jurisdiction=${encodeURIComponent('镇桥镇')}`
    expect(routeOf(hash)).toEqual({ name: 'compliance', query: { asOf: '2026-11-30', siteType: 'coal-mine', jurisdiction: '镇桥镇' }, key: hash })
    expect(routeOf('#/compliance')).toEqual({ name: 'compliance', query: {}, key: '#/compliance' })
  })

  it('drops an asOf that is not YYYY-MM-DD and empty filters, and passes any other text on for the server to check', () => {
    expect(routeOf('#/compliance?asOf=30.11.2026&siteType=&jurisdiction=').query).toEqual({})
    expect(routeOf('#/compliance?siteType=castle&status=late').query).toEqual({ siteType: 'castle' })
  })

  it("opens a site's evidence with its asOf", () => {
    expect(routeOf('#/compliance/site/s%201?asOf=2026-06-30')).toEqual({
      name: 'evidence', id: 's 1', query: { asOf: '2026-06-30' }, key: '#/compliance/site/s%201?asOf=2026-06-30',
    })
  })

  it('tells the compliance routes apart from the others', () => {
    expect(['#/', '#/site/x', '#/compliance', '#/compliance/site/x'].map((hash) => isComplianceRoute(routeOf(hash)))).toEqual([false, false, true, true])
  })

  it('opens the installer view at #/installer, and as the start page of an installer', () => {
    expect(routeOf('#/installer')).toEqual({ name: 'installer', key: '/installer' })
    expect(showsInstaller(routeOf('#/installer'), 'admin')).toBe(true)
    expect(showsInstaller(routeOf('#/'), 'installer')).toBe(true)
    expect(showsInstaller(routeOf('#/'), 'admin')).toBe(false)
    expect(showsInstaller(routeOf('#/site/s1'), 'installer')).toBe(false)
    expect(showsInstaller(routeOf('#/compliance'), 'installer')).toBe(false)
  })
})
