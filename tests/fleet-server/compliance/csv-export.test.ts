import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { parseCsv } from '../../../fleet-server/src/compliance/csv.ts'
import { complianceCsv, COMPLIANCE_CSV_COLUMNS, neutralisedCell } from '../../../fleet-server/src/compliance/report.ts'
import type { ComplianceRow } from '../../../fleet-server/src/model/index.ts'

const ROW: ComplianceRow = {
  siteId: 's1', siteName: '一号', siteType: 'coal-mine', jurisdiction: '涌山镇', enterpriseName: 'E', ruleId: 'r', clause: '四(四)1', system: 'monitoring',
  appliesFrom: '2011-01-01', deadline: '2014-01-01', installedOn: null, verified: false, coverage: 0, status: 'overdue', daysOverdue: 10, daysLeft: null, sanction: null,
}

describe('neutralisedCell (CSV formula injection)', () => {
  it('prefixes a single quote to cells beginning with = + - @, tab or CR', () => {
    for (const text of ['=HYPERLINK("http://x","y")', '+1', '-2+3', '@SUM(A1)', '\tx', '\rx']) expect(neutralisedCell(text)).toBe(`'${text}`)
  })
  it('leaves everything else as it is, a formula character later in the text included', () => {
    for (const text of ['', '乐平市', 'a=b', '1-2', "'already", ' =x', '2026-06-01']) expect(neutralisedCell(text)).toBe(text)
  })
  it('for any text: the result never begins with a formula character, and dropping the added quote gives the text back', () => {
    fc.assert(fc.property(fc.string(), (text) => {
      const cell = neutralisedCell(text)
      expect(cell).not.toMatch(/^[=+\-@\t\r]/u)
      expect(cell === text || cell === `'${text}`).toBe(true)
      expect(cell.startsWith("'") && !text.startsWith("'") ? cell.slice(1) : cell).toBe(text)
    }))
  })
})

describe('complianceCsv', () => {
  it('writes the commissioning columns, neutralised and quoted by RFC 4180', () => {
    const columns = new Map([['s1\u0000monitoring', { installedRecordId: 7, installedBy: '=inst', corroborated: false, rejectedRecords: '#3 1900-01-01 by i, rejected by reg: "no"' }]])
    const [header, fields] = parseCsv(complianceCsv([{ ...ROW, enterpriseName: '=HYPERLINK("http://x","y")' }], columns)).map((r) => r.fields.map((f) => f.value))
    expect(header).toEqual([...COMPLIANCE_CSV_COLUMNS])
    const byName = Object.fromEntries(header!.map((name, i) => [name, fields![i]]))
    expect(byName).toMatchObject({
      enterpriseName: '\'=HYPERLINK("http://x","y")', installedRecordId: '7', installedBy: "'=inst", corroborated: 'false',
      rejectedRecords: '#3 1900-01-01 by i, rejected by reg: "no"',
    })
  })
  it('for any enterprise name: read back it is the name, or the name behind one quote when it begins with a formula character', () => {
    fc.assert(fc.property(fc.string(), (name) => {
      const [, fields] = parseCsv(complianceCsv([{ ...ROW, enterpriseName: name }])).map((r) => r.fields.map((f) => f.value))
      const cell = fields![COMPLIANCE_CSV_COLUMNS.indexOf('enterpriseName')]
      expect(cell).toBe(/^[=+\-@\t\r]/u.test(name) ? `'${name}` : name)
    }))
  })
})
