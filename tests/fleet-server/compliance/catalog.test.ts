import { readFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { InvalidInputError, formatProblem } from '../../../protocols/validation/index.ts'
import { SITE_TYPES } from '../../../fleet-server/src/api/index.ts'
import {
  SYSTEM_IDS, defaultCatalogFile, loadCatalog, parseCatalog, requiredSystems, type Catalog, type Rule,
} from '../../../fleet-server/src/compliance/index.ts'
import { planClauses } from './plan-clauses.ts'

const CATALOG = defaultCatalogFile()
const TEXT = readFileSync(CATALOG, 'utf8')
/** the plan itself, kept beside the catalog so the check runs on any clone */
const PLAN = fileURLToPath(new URL('../../../seeds/plan/leping-work-safety-12th-five-year-plan.txt', import.meta.url))
const catalog: Catalog = loadCatalog(CATALOG)
const rule = (id: string): Rule => catalog.rules.find((r) => r.id === id)!

const MINE_SYSTEMS = ['monitoring', 'personnel-positioning', 'emergency-refuge', 'compressed-air-rescue', 'water-supply-rescue', 'communication']

describe('seeds/regulations.yaml', () => {
  it('loads and checks', () => {
    expect(catalog.rules.length).toBeGreaterThanOrEqual(4)
    expect(catalog.jurisdictions['*'].appliesFrom).toBe('2011-01-01')
    expect(catalog.jurisdictions['*'].source).toMatch(/2011/u)
  })

  it('source.file, relative to the catalog, is the plan\'s text in this repository', () => {
    expect(resolve(dirname(CATALOG), catalog.source.file)).toBe(PLAN)
  })

  it('every rule binds known site types and systems, and has a bilingual statement', () => {
    for (const r of catalog.rules) {
      for (const t of r.siteTypes) expect(SITE_TYPES).toContain(t)
      for (const s of r.systems) expect(SYSTEM_IDS).toContain(s)
      expect(r.statement.zh.length).toBeGreaterThan(0)
      expect(r.statement.en.length).toBeGreaterThan(0)
    }
    const required = new Set(catalog.rules.flatMap((r) => r.systems))
    expect([...required].sort()).toEqual([...SYSTEM_IDS].sort())
  })

  it('mines and tailings ponds: the six underground systems within 3 years, or the licences are suspended', () => {
    for (const type of ['coal-mine', 'non-coal-mine', 'tailings-pond'] as const) {
      const threeYear = requiredSystems(catalog, { type }, '涌山镇').filter((r) => r.periodYears === 3)
      expect(threeYear.map((r) => r.system)).toEqual(MINE_SYSTEMS)
      for (const r of threeYear) {
        expect(r.deadline).toBe('2014-01-01')
        expect(r.rule.clause).toBe('四(四)1')
        expect(r.sanction?.zh).toContain('依法暂扣安全生产许可证、生产许可证')
      }
    }
    expect(requiredSystems(catalog, { type: 'tailings-pond' }, '*').map((r) => r.system)).toContain('tailings-monitoring')
  })

  it('petrol stations: explosion barrier and vapour recovery within 2 years, only in town near homes', () => {
    expect(rule('petrol-station-explosion-barrier-vapor-recovery').condition).toEqual({ inTownNearHomes: true })
    expect(requiredSystems(catalog, { type: 'petrol-station' }, '*')).toEqual([])
    expect(requiredSystems(catalog, { type: 'petrol-station', inTownNearHomes: false }, '*')).toEqual([])
    const bound = requiredSystems(catalog, { type: 'petrol-station', inTownNearHomes: true }, '乐港镇')
    expect(bound.map((r) => [r.system, r.periodYears, r.deadline])).toEqual([['explosion-barrier', 2, '2013-01-01'], ['vapor-recovery', 2, '2013-01-01']])
  })

  it('hazmat vehicles: satellite positioning with driving records within 2 years', () => {
    expect(requiredSystems(catalog, { type: 'hazmat-fleet' }, '*').map((r) => [r.system, r.periodYears, r.rule.clause])).toEqual([['gnss-recorder', 2, '四(四)1']])
  })

  it('chemical plants: process interlocks and major-hazard monitoring, no period (due at once)', () => {
    const systems = requiredSystems(catalog, { type: 'chemical-plant' }, '*')
    expect(systems.map((r) => [r.system, r.periodYears, r.deadline])).toEqual([['process-interlock', null, '2011-01-01'], ['major-hazard-monitoring', null, '2011-01-01']])
    expect(systems[0]!.rule.clause).toBe('四(四)1')
  })

  it("a site's own later start wins over the jurisdiction's; an earlier one does not", () => {
    expect(requiredSystems(catalog, { type: 'coal-mine', rulesFrom: '2012-02-29' }, '*')[0]).toMatchObject({ appliesFrom: '2012-02-29', deadline: '2015-02-28' })
    expect(requiredSystems(catalog, { type: 'coal-mine', rulesFrom: '2009-05-01' }, '*')[0]).toMatchObject({ appliesFrom: '2011-01-01', deadline: '2014-01-01' })
  })

  it('a township override applies to its sites only, per rule where given', () => {
    const withTownship = structuredClone(catalog)
    Object.assign(withTownship.jurisdictions, { 涌山镇: { appliesFrom: '2012-01-01', rules: { 'hazmat-vehicle-satellite-positioning': '2013-03-01' } } })
    expect(requiredSystems(withTownship, { type: 'coal-mine' }, '涌山镇')[0]!.deadline).toBe('2015-01-01')
    expect(requiredSystems(withTownship, { type: 'coal-mine' }, '乐港镇')[0]!.deadline).toBe('2014-01-01')
    expect(requiredSystems(withTownship, { type: 'hazmat-fleet' }, '涌山镇')[0]!.deadline).toBe('2015-03-01')
    expect(requiredSystems(withTownship, { type: 'coal-mine', rulesFrom: '2013-01-01' }, '涌山镇')[0]!.deadline).toBe('2016-01-01')
  })

  it('every rule names a clause of the plan, and its zh statement and sanction quote that clause', () => {
    const clauses = planClauses(readFileSync(PLAN, 'utf8'))
    for (const r of catalog.rules) {
      const text = clauses.get(r.clause)
      expect(text, `${r.id}: clause ${r.clause}`).toBeDefined()
      for (const part of r.statement.zh.split('……')) expect(text, `${r.id}: "${part}"`).toContain(part)
      if (r.sanction) expect(text).toContain(r.sanction.zh)
    }
  })
})

describe('a broken catalog', () => {
  const broken = (from: string, to: string) => parseCatalog('seeds/regulations.yaml', TEXT.replace(from, to)).problems.map(formatProblem)

  it('reports FILE:LINE:COL key.path for a bad value', () => {
    const lines = TEXT.split('\n')
    const line = lines.findIndex((l) => l.includes('periodYears: 3')) + 1
    const column = lines[line - 1]!.indexOf('3') + 1
    expect(broken('periodYears: 3', 'periodYears: three')).toEqual([`seeds/regulations.yaml:${line}:${column} rules[0].periodYears: must be integer,null`])
  })
  it('reports a period out of range', () => {
    expect(broken('periodYears: 3', 'periodYears: 0')[0]).toMatch(/:\d+:18 rules\[0\]\.periodYears: must be >= 1$/u)
  })
  it('reports an unknown system and an unknown key', () => {
    expect(broken('systems: [gnss-recorder]', 'systems: [gps]').join('\n')).toMatch(/^seeds\/regulations\.yaml:\d+:\d+ rules\[1\]\.systems\[0\]: must be one of /u)
    expect(broken('    periodYears: 2\n', '    periodYears: 2\n    deadline: 2013-01-01\n')[0]).toMatch(/:\d+:5 rules\[1\]\.deadline: unknown key "deadline"$/u)
  })
  it('reports a date that is not on the calendar, a rule id used twice and a jurisdiction naming no rule', () => {
    expect(broken('appliesFrom: 2011-01-01', 'appliesFrom: 2011-02-29')[0]).toMatch(/:\d+:18 jurisdictions\.\*\.appliesFrom: 2011-02-29 is not a day of the calendar \(February 2011 has 28 days\)$/u)
    expect(broken('id: major-hazard-source-monitoring', 'id: tailings-pond-safety-monitoring')[0]).toMatch(/rules\[6\]\.id: rule id "tailings-pond-safety-monitoring" is used twice$/u)
    expect(broken("    appliesFrom: 2011-01-01\n", "    appliesFrom: 2011-01-01\n    rules: { no-such-rule: 2012-01-01 }\n")[0]).toMatch(/jurisdictions\.\*\.rules\.no-such-rule: no rule "no-such-rule" in the catalog$/u)
  })
  it('loadCatalog throws InvalidInputError with code CATALOG_INVALID', () => {
    expect(() => loadCatalog('/nonexistent/regulations.yaml')).toThrow(InvalidInputError)
    try {
      loadCatalog('/nonexistent/regulations.yaml')
    } catch (error) {
      expect((error as InvalidInputError).code).toBe('CATALOG_INVALID')
      expect((error as Error).message).toBe('/nonexistent/regulations.yaml:1:1 cannot read: ENOENT')
    }
  })
})
