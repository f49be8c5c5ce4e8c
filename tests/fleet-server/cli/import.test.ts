import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { applySites, importSitesFile } from '../../../fleet-server/src/cli/import.ts'
import { openSqliteStore } from '../../../fleet-server/src/store/sqlite/index.ts'

const BIN = fileURLToPath(new URL('../../../fleet-server/bin/fleet-server.js', import.meta.url))
const HEADER = 'enterprise_id,enterprise_name,site_id,site_name,site_type,jurisdiction,address,licence_no,in_town_near_homes,rules_from'
const TYPES = ['coal-mine', 'non-coal-mine', 'tailings-pond', 'petrol-station', 'chemical-plant', 'hazmat-fleet']
const TOWNS = ['涌山镇', '乐港镇', '镇桥镇', '塔山街道']
let dir: string

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString() })
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

/** 100 sites of 20 enterprises, every type and township; Chinese names, quoted addresses with commas */
function rows(): string[] {
  return Array.from({ length: 100 }, (_, i) => {
    const type = TYPES[i % TYPES.length]!
    const near = type === 'petrol-station' ? (Math.floor(i / 6) % 2 === 0 ? 'true' : 'false') : ''
    return [`ent-${i % 20}`, `乐平市第${i % 20}安全生产有限公司`, `site-${i}`, `${i}号"站"`, type, TOWNS[i % TOWNS.length]!,
      `江西省乐平市${TOWNS[i % TOWNS.length]}, ${i}号`, `（赣）FM安许证字[2011]${String(i).padStart(3, '0')}`, near, i % 10 === 0 ? '2012-02-29' : '']
      .map((v) => (/[",\n]/u.test(v) ? `"${v.replace(/"/gu, '""')}"` : v)).join(',')
  })
}

function snapshot(db: string) {
  const store = openSqliteStore(db)
  try {
    return {
      enterprises: store.db.prepare('SELECT * FROM enterprises ORDER BY id').all(),
      sites: store.db.prepare('SELECT * FROM sites ORDER BY id').all() as Record<string, unknown>[],
    }
  } finally {
    store.close()
  }
}

beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'fleet-import-')) })
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('fleet-server import --sites', () => {
  it('a file of 100 rows with one bad row applies nothing and names the row and the column; exit 2', async () => {
    const db = join(dir, 'bad.sqlite')
    const lines = rows()
    expect(lines[58]).toContain(',chemical-plant,')
    lines[58] = lines[58]!.replace(',chemical-plant,', ',chemical-works,')
    const file = join(dir, 'bad.csv')
    writeFileSync(file, [HEADER, ...lines].join('\r\n') + '\r\n')
    const result = await run(['import', '--sites', file, '--db', db])
    expect(result.code).toBe(2)
    const column = lines[58]!.indexOf('chemical-works') + 1
    expect(result.stderr).toBe(`${file}:60:${column} site_type: "chemical-works" is not a site type: one of ${TYPES.join(', ')}\n`
      + `fleet-server: 1 problem in ${file}; nothing was imported\n`)
    expect(result.stdout).toBe('')
    expect(snapshot(db)).toEqual({ enterprises: [], sites: [] })
  })

  it('the same file twice is idempotent and says so: every site unchanged; a BOM file works; Chinese survives', async () => {
    const db = join(dir, 'good.sqlite')
    const file = join(dir, 'good.csv')
    writeFileSync(file, '\uFEFF' + [HEADER, ...rows()].join('\n') + '\n')
    const first = await run(['import', '--sites', file, '--db', db])
    expect(first.stderr).toBe('')
    expect(first.code).toBe(0)
    expect(first.stdout).toBe(`imported 100 sites of 20 enterprises from ${file}: sites 100 new, 0 updated, 0 unchanged; enterprises 20 new, 0 updated, 0 unchanged\n`)
    const once = snapshot(db)
    expect(once.enterprises).toHaveLength(20)
    expect(once.sites).toHaveLength(100)
    expect(once.sites.find((s) => s['id'] === 'site-0')).toEqual({
      id: 'site-0', enterprise_id: 'ent-0', name: '0号"站"', type: 'coal-mine', jurisdiction: '涌山镇', address: '江西省乐平市涌山镇, 0号',
      licence_no: '（赣）FM安许证字[2011]000', rules_from: '2012-02-29', in_town_near_homes: null,
    })
    expect(once.sites.filter((s) => s['type'] === 'petrol-station').map((s) => s['in_town_near_homes'])).toContain(1)
    expect(once.sites.filter((s) => s['type'] === 'petrol-station').map((s) => s['in_town_near_homes'])).toContain(0)

    const second = await run(['import', '--sites', file, '--db', db])
    expect(second.code).toBe(0)
    expect(second.stdout).toBe(`imported 100 sites of 20 enterprises from ${file}: sites 0 new, 0 updated, 100 unchanged; enterprises 0 new, 0 updated, 20 unchanged\n`)
    expect(snapshot(db)).toEqual(once)

    // one site renamed, one enterprise renamed, one site more
    const changed = rows().map((row) => row.replace('乐平市第3安全', '乐平市第三安全'))
    changed[7] = changed[7]!.replace('7号', '七号')
    changed.push('ent-new,新公司,site-new,新矿,coal-mine,涌山镇,,,,')
    writeFileSync(file, [HEADER, ...changed].join('\n') + '\n')
    const third = await run(['import', '--sites', file, '--db', db])
    expect(third.stdout).toBe(`imported 101 sites of 21 enterprises from ${file}: sites 1 new, 1 updated, 99 unchanged; enterprises 1 new, 1 updated, 19 unchanged\n`)
  })

  it('an unreadable file or a missing --sites is invalid input (exit 2)', async () => {
    const missing = await run(['import', '--sites', join(dir, 'nope.csv'), '--db', join(dir, 'x.sqlite')])
    expect(missing.code).toBe(2)
    expect(missing.stderr).toBe(`fleet-server: --sites ${join(dir, 'nope.csv')}: cannot read: ENOENT\n`)
    expect((await run(['import', '--db', join(dir, 'x.sqlite')])).code).toBe(2)
  })

  it('a store failure half-way rolls the whole file back', () => {
    const store = openSqliteStore(':memory:')
    try {
      const site = { id: 's1', enterpriseId: 'e1', name: '一号', type: 'coal-mine' as const, jurisdiction: '涌山镇' }
      // s2 names an enterprise that is not there: the foreign key fails after s1 was written
      expect(() => applySites(store, [{ id: 'e1', name: '甲' }], [site, { ...site, id: 's2', enterpriseId: 'e9' }])).toThrow(/FOREIGN KEY/u)
      expect(store.db.prepare('SELECT count(*) AS n FROM sites').get()).toEqual({ n: 0 })
      expect(store.db.prepare('SELECT count(*) AS n FROM enterprises').get()).toEqual({ n: 0 })
    } finally {
      store.close()
    }
  })

  it('empty optional values keep rules_from, in_town_near_homes and the English name already stored', () => {
    const db = join(dir, 'keep.sqlite')
    const file = join(dir, 'keep.csv')
    writeFileSync(file, 'enterprise_id,enterprise_name,enterprise_name_en,site_id,site_name,site_type,jurisdiction,in_town_near_homes,rules_from\n'
      + 'e1,乐港石油,Legang Oil,p1,乐港加油站,petrol-station,乐港镇,是,2013-05-01\n')
    expect(importSitesFile(file, db)).toEqual({ enterprises: { created: 1, updated: 0, unchanged: 0 }, sites: { created: 1, updated: 0, unchanged: 0 } })
    writeFileSync(file, 'enterprise_id,enterprise_name,site_id,site_name,site_type,jurisdiction,in_town_near_homes\ne1,乐港石油,p1,乐港加油站(新),petrol-station,乐港镇,1\n')
    expect(importSitesFile(file, db)).toEqual({ enterprises: { created: 0, updated: 0, unchanged: 1 }, sites: { created: 0, updated: 1, unchanged: 0 } })
    const { enterprises, sites } = snapshot(db)
    expect(enterprises).toEqual([{ id: 'e1', name: '乐港石油', name_en: 'Legang Oil' }])
    expect(sites[0]).toMatchObject({ name: '乐港加油站(新)', rules_from: '2013-05-01', in_town_near_homes: 1 })
  })
})
