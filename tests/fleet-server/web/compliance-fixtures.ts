import { COMPLIANCE_STATES, SITE_TYPES, type Commissioning, type ComplianceCounts, type ComplianceEvidence, type ComplianceRow, type ComplianceSummary } from '../../../fleet-server/src/api/index.ts'

/**
 * The compliance report of the fixture fleet (fixtures.ts), shaped like fleet-server/src/api/schemas.ts:
 * 涌山煤矿 has two systems overdue and one installed late (the mine rule's licence sanction),
 * 众埠尾矿库 installed its dam monitoring late (no sanction in the plan), 乐港加油站 is due within 45
 * days, 塔山化工厂 is compliant.
 */

export const DEFAULT_AS_OF = '2026-11-29'
const MINE_SANCTION = {
  zh: '逾期未安装的，依法暂扣安全生产许可证、生产许可证',
  en: 'If not installed in time, the safety production licence and the production licence are suspended according to law.',
}

type Site = Pick<ComplianceRow, 'siteId' | 'siteName' | 'siteType' | 'jurisdiction' | 'enterpriseName'>
const ENTERPRISE = '乐平涌山煤业有限公司'
const coal: Site = { siteId: 'ys-coal-1', siteName: '涌山煤矿', siteType: 'coal-mine', jurisdiction: '涌山镇', enterpriseName: ENTERPRISE }
const petrol: Site = { siteId: 'lg-petrol-1', siteName: '乐港加油站', siteType: 'petrol-station', jurisdiction: '乐港镇', enterpriseName: ENTERPRISE }
const tailings: Site = { siteId: 'zb-tailings-1', siteName: '众埠尾矿库', siteType: 'tailings-pond', jurisdiction: '众埠镇', enterpriseName: ENTERPRISE }
const chem: Site = { siteId: 'ts-chem-1', siteName: '塔山化工厂', siteType: 'chemical-plant', jurisdiction: '塔山街道', enterpriseName: ENTERPRISE }

function row(site: Site, system: string, fields: Partial<ComplianceRow> & Pick<ComplianceRow, 'status'>): ComplianceRow {
  return {
    ...site, ruleId: 'mine-underground-safety-systems', clause: '四(四)1', system, appliesFrom: '2011-01-01', deadline: '2014-01-01',
    installedOn: null, verified: false, coverage: 0, daysOverdue: null, daysLeft: null, sanction: MINE_SANCTION, ...fields,
  }
}

export function complianceRows(): ComplianceRow[] {
  const petrolRule = { ruleId: 'petrol-station-explosion-barrier-vapor-recovery', appliesFrom: '2025-01-13', deadline: '2027-01-13', sanction: null }
  const chemRule = { ruleId: 'chemical-process-interlock-hazard-monitoring', appliesFrom: '2019-03-01', deadline: '2019-03-01', sanction: null }
  return [
    row(coal, 'monitoring', { status: 'compliant', installedOn: '2012-05-01', verified: true, coverage: 0.991 }),
    row(coal, 'personnel-positioning', { status: 'compliant', installedOn: '2013-01-10', verified: true, coverage: 0.97 }),
    row(coal, 'emergency-refuge', { status: 'overdue', daysOverdue: 4715 }),
    row(coal, 'compressed-air-rescue', { status: 'overdue', daysOverdue: 4715 }),
    row(coal, 'water-supply-rescue', { status: 'late', installedOn: '2014-05-01', daysOverdue: 120 }),
    row(coal, 'communication', { status: 'compliant', installedOn: '2013-06-01', coverage: 0.5 }),
    row(petrol, 'explosion-barrier', { ...petrolRule, status: 'due-soon', daysLeft: 45 }),
    row(petrol, 'vapor-recovery', { ...petrolRule, status: 'compliant', installedOn: '2025-06-01', verified: true, coverage: 1 }),
    row(tailings, 'tailings-monitoring', {
      status: 'late', ruleId: 'tailings-pond-safety-monitoring', clause: '二(三)2', deadline: '2011-01-01', installedOn: '2011-01-31', daysOverdue: 30, sanction: null,
    }),
    row(chem, 'process-interlock', { ...chemRule, status: 'compliant', installedOn: '2019-02-26', verified: true, coverage: 0.999 }),
    row(chem, 'major-hazard-monitoring', { ...chemRule, status: 'compliant', installedOn: '2019-02-26', verified: true, coverage: 0.98 }),
  ]
}

const ORDER = ['overdue', 'late', 'due-soon', 'on-track', 'compliant'] as const
const zero = () => Object.fromEntries(COMPLIANCE_STATES.map((s) => [s, 0])) as ComplianceCounts['sites']
const counts = (): ComplianceCounts => ({ systems: zero(), sites: zero() })

/** What GET /api/compliance/summary answers for these rows. */
export function complianceSummary(rows: ComplianceRow[], asOf: string): ComplianceSummary {
  const summary: ComplianceSummary = {
    asOf, total: counts(), bySiteType: Object.fromEntries(SITE_TYPES.map((t) => [t, counts()])), byJurisdiction: {},
    // recurring tests are the server's own figures, not counted from the rows
    periodicTests: {
      sitesOverdue: 1, testsOverdue: 2,
      sites: [{ siteId: coal.siteId, siteName: coal.siteName, siteType: 'coal-mine', jurisdiction: coal.jurisdiction, overdue: 2, dueSoon: 0 },
        { siteId: petrol.siteId, siteName: petrol.siteName, siteType: 'petrol-station', jurisdiction: petrol.jurisdiction, overdue: 0, dueSoon: 1 }],
    },
  }
  const worst = new Map<string, ComplianceRow>()
  for (const r of rows) {
    summary.byJurisdiction[r.jurisdiction] ??= counts()
    for (const c of [summary.total, summary.bySiteType[r.siteType]!, summary.byJurisdiction[r.jurisdiction]!]) c.systems[r.status]++
    const prev = worst.get(r.siteId)
    if (!prev || ORDER.indexOf(r.status) < ORDER.indexOf(prev.status)) worst.set(r.siteId, r)
  }
  for (const r of worst.values()) {
    for (const c of [summary.total, summary.bySiteType[r.siteType]!, summary.byJurisdiction[r.jurisdiction]!]) c.sites[r.status]++
  }
  return summary
}

const days = (asOf: string, n: number, share: (i: number) => number) => Array.from({ length: n }, (_, i) => ({
  day: new Date(Date.parse(`${asOf}T00:00:00Z`) - (n - 1 - i) * 86_400_000).toISOString().slice(0, 10),
  coverage: share(i),
}))

const effective = { state: 'effective', accepted: true } as const
const COAL_RECORDS: Commissioning[] = [
  { id: 1, siteId: coal.siteId, system: 'monitoring', commissionedOn: '2012-05-01', by: 'installer', evidence: 'entered', devices: ['ch4-t1', 'ch4-t2', 'relay-1'], ...effective, corroborated: true, createdAt: Date.UTC(2012, 4, 1, 4) },
  { id: 2, siteId: coal.siteId, system: 'personnel-positioning', commissionedOn: '2013-01-10', by: 'installer', evidence: 'entered', devices: ['pp-base-1'], ...effective, corroborated: false, createdAt: Date.UTC(2013, 0, 10, 4) },
  { id: 3, siteId: coal.siteId, system: 'communication', commissionedOn: '2013-06-01', by: 'installer', evidence: 'entered', devices: [], ...effective, corroborated: false, createdAt: Date.UTC(2013, 5, 1, 4) },
  { id: 4, siteId: coal.siteId, system: 'emergency-refuge', commissionedOn: '2014-03-02', by: 'installer', evidence: 'entered', devices: [], note: '验收未通过：避难硐室供氧不足', state: 'rejected', accepted: false, corroborated: false, createdAt: Date.UTC(2014, 2, 2, 4) },
  { id: 5, siteId: coal.siteId, system: 'water-supply-rescue', commissionedOn: '2014-05-01', by: 'installer', evidence: 'entered', devices: [], ...effective, corroborated: false, createdAt: Date.UTC(2014, 4, 1, 4) },
  {
    id: 6, siteId: coal.siteId, system: 'compressed-air-rescue', commissionedOn: '2013-02-01', by: 'installer', evidence: 'entered', devices: [], state: 'rejected', accepted: false, corroborated: false,
    rejection: { id: 1, recordId: 6, by: 'reg-ys', reason: '现场无压风自救装置', createdAt: Date.UTC(2026, 4, 20, 2) }, createdAt: Date.UTC(2026, 4, 19, 4),
  },
]

/** GET /api/compliance/sites/{id}: undefined for a site the fixture does not know. */
export function complianceEvidence(siteId: string, asOf: string, n: number): ComplianceEvidence | undefined {
  const rows = complianceRows().filter((r) => r.siteId === siteId)
  const first = rows[0]
  if (!first) return undefined
  const share = (system: string) => (i: number) => {
    if (system === 'monitoring') return i === n - 3 ? 0.9 : 1
    if (system === 'personnel-positioning') return 0.97
    if (system === 'communication') return i % 2 === 0 ? 0.4 : 0.6
    return rows.find((r) => r.system === system)?.coverage ?? 0
  }
  return {
    site: { id: first.siteId, name: first.siteName, type: first.siteType, jurisdiction: first.jurisdiction, enterpriseName: first.enterpriseName },
    asOf,
    rows,
    commissioning: siteId === coal.siteId ? COAL_RECORDS : [],
    coverage: rows.map((r) => ({ system: r.system, days: days(asOf, n, share(r.system)) })),
  }
}
