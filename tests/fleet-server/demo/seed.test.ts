import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { SITE_TYPES } from '../../../fleet-server/src/api/index.ts'
import { defaultSeedFile, loadDemoFleet, parseDemoFleet } from '../../../fleet-server/src/demo/seed.ts'
import { gatewayConfigText, parseGatewayConfig } from '../../../fleet-server/src/demo/gateway-config.ts'
import { formatProblem, InvalidInputError } from '../../../protocols/validation/index.ts'

const seedFile = defaultSeedFile()
const seedText = readFileSync(seedFile, 'utf8')

/** The seed with one text replaced; fails loudly if the text is not there, so the test stays honest. */
function broken(from: string, to: string): string {
  expect(seedText).toContain(from)
  return seedText.replace(from, to)
}

const problemsOf = (text: string) => parseDemoFleet('demo-fleet.yaml', text).problems.map(formatProblem)
const lineOf = (text: string, needle: string) => text.slice(0, text.indexOf(needle)).split('\n').length

describe('seeds/demo-fleet.yaml', () => {
  const fleet = loadDemoFleet(seedFile)

  it('validates and covers every site type, with licence, address and one gateway each', () => {
    expect(new Set(fleet.sites.map((s) => s.type))).toEqual(new Set(SITE_TYPES))
    expect(fleet.sites.length).toBeGreaterThanOrEqual(8)
    expect(fleet.enterprises.length).toBeGreaterThanOrEqual(6)
    for (const site of fleet.sites) {
      expect(site.licenceNo.length).toBeGreaterThan(0)
      expect(site.address).toMatch(/乐平/u)
    }
  })

  it('has the coal mine at 涌山镇 with T0/T1/T2 methane, CO, O2, a KDG-4 and a power-cut interlock on the leaking sensor', () => {
    const coal = fleet.sites.find((s) => s.type === 'coal-mine' && s.jurisdiction === '涌山镇')!
    const presets = coal.gateway.devices.flatMap((d) => Object.values(d.alarms ?? {}).map((a) => a.preset))
    expect(presets).toEqual(expect.arrayContaining(['coal-ch4-t0-upper-corner', 'coal-ch4-t1-longwall-face', 'coal-ch4-t2-face-return', 'coal-co-underground']))
    expect(coal.gateway.devices.map((d) => d.profile)).toEqual(expect.arrayContaining(['generic-gyh25-oxygen', 'generic-kdg4-power-cut-controller']))
    const leaking = coal.gateway.devices.find((d) => d.scenario === 'leak')!
    expect(coal.gateway.interlocks?.some((i) => i.when.some((c) => c.device === leaking.id) && i.action.device === 'power-cut-1201')).toBe(true)
  })

  it('has two petrol stations (乐港镇, 塔山街道) with vapour recovery', () => {
    const stations = fleet.sites.filter((s) => s.type === 'petrol-station')
    expect(stations.map((s) => s.jurisdiction).sort()).toEqual(['乐港镇', '塔山街道'].sort())
    for (const station of stations) expect(station.gateway.devices.some((d) => d.system === 'vapor-recovery')).toBe(true)
  })

  it('has the demo users: a city regulator, a township regulator, the coal company, an installer of two sites, an admin', () => {
    const byName = new Map(fleet.users.map((u) => [u.name, u]))
    expect(byName.get('regulator')).toMatchObject({ role: 'regulator', jurisdiction: '*' })
    expect(byName.get('yongshan')).toMatchObject({ role: 'regulator', jurisdiction: '涌山镇' })
    const coal = fleet.sites.find((s) => s.jurisdiction === '涌山镇')!
    expect(byName.get('enterprise')).toMatchObject({ role: 'enterprise', enterpriseId: coal.enterprise })
    expect(byName.get('installer')?.siteIds).toHaveLength(2)
    expect(byName.get('admin')?.role).toBe('admin')
  })

  it('gives every site a gateway config that `edge-agent check` accepts, naming the site\'s type (periodic tests)', () => {
    for (const site of fleet.sites) {
      const { config, problems } = parseGatewayConfig(`${site.gateway.id}.yaml`, site, { simulator: { host: '127.0.0.1', port: 5020 }, mqttUrl: 'mqtt://127.0.0.1:1883' })
      expect(problems.map(formatProblem)).toEqual([])
      expect(config?.gateway).toMatchObject({ id: site.gateway.id, site: site.id, siteType: site.type })
      expect(gatewayConfigText(site, { simulator: { host: '127.0.0.1', port: 5020 } })).not.toMatch(/password/u)
    }
  })
})

describe('a broken copy of the seed', () => {
  it('reports a schema mistake as FILE:LINE:COL key.path: message', () => {
    const text = broken('type: tailings-pond', 'type: tailing-pond')
    const line = lineOf(text, 'type: tailing-pond')
    expect(problemsOf(text)).toEqual([expect.stringMatching(new RegExp(`^demo-fleet\\.yaml:${line}:11 sites\\[\\d\\]\\.type: must be one of "coal-mine", `, 'u'))])
  })

  it('reports an unknown key on the key', () => {
    const text = broken('    licenceNo: 赣景危化经字〔2024〕0093', '    licenseNo: 赣景危化经字〔2024〕0093')
    const line = lineOf(text, 'licenseNo')
    expect(problemsOf(text)).toEqual(expect.arrayContaining([expect.stringMatching(new RegExp(`^demo-fleet\\.yaml:${line}:5 sites\\[\\d\\]\\.licenseNo: unknown key "licenseNo"`, 'u'))]))
  })

  it('locates device and interlock mistakes, found by the gateway-config check, in the seed', () => {
    const text = broken('profile: generic-gyh25-oxygen', 'profile: generic-gyh25-oxygn').replace('channel: cut_2', 'channel: cut_9')
    const problems = problemsOf(text)
    expect(problems).toEqual([
      `demo-fleet.yaml:${lineOf(text, 'generic-gyh25-oxygn')}:20 sites[0].gateway.devices[4].profile: no profile "generic-gyh25-oxygn" in the library; did you mean generic-gyh25-oxygen? (edge-agent profiles list)`,
      expect.stringMatching(new RegExp(`^demo-fleet\\.yaml:${lineOf(text, 'cut_9')}:22 sites\\[0\\]\\.gateway\\.interlocks\\[1\\]\\.action\\.channel: device "power-cut-1201" .* has no channel "cut_9"`, 'u')),
    ])
  })

  it('reports references to unknown enterprises and sites, and duplicate ids', () => {
    const text = broken('enterprise: anda-hazmat-co', 'enterprise: anda-hazmat')
      .replace('siteIds: [leping-legang-limestone, leping-legang-station]', 'siteIds: [leping-legang-limestone, leping-nowhere]')
      .replace('id: zhenqiao-coal-gw1', 'id: yongshan-coal-gw1')
    const problems = problemsOf(text)
    expect(problems).toEqual(expect.arrayContaining([
      expect.stringMatching(/sites\[7\]\.enterprise: no enterprise "anda-hazmat"/u),
      expect.stringMatching(/users\[3\]\.siteIds\[1\]: no site "leping-nowhere"/u),
      expect.stringMatching(/sites\[1\]\.gateway\.id: duplicate gateway id "yongshan-coal-gw1"/u),
    ]))
    expect(problems).toHaveLength(3)
  })

  it('throws InvalidInputError SEED_INVALID from loadDemoFleet, naming the file', () => {
    expect(() => loadDemoFleet('/nonexistent/demo-fleet.yaml')).toThrow(InvalidInputError)
    expect(() => loadDemoFleet('/nonexistent/demo-fleet.yaml')).toThrow(/^\/nonexistent\/demo-fleet\.yaml:1:1 cannot read: ENOENT/u)
  })
})
