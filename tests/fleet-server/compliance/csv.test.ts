import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { CsvSyntaxError, parseCsv } from '../../../fleet-server/src/compliance/csv.ts'

const values = (text: string) => parseCsv(text).map((r) => r.fields.map((f) => f.value))

describe('parseCsv (RFC 4180, strict)', () => {
  it('reads LF and CRLF records, with or without a final line break, and skips empty lines', () => {
    expect(values('a,b\n1,2')).toEqual([['a', 'b'], ['1', '2']])
    expect(values('a,b\r\n1,2\r\n')).toEqual([['a', 'b'], ['1', '2']])
    expect(values('a,b\n\n1,2\n\n')).toEqual([['a', 'b'], ['1', '2']])
    expect(values('a,,\n')).toEqual([['a', '', '']])
  })
  it('drops a leading byte-order mark and keeps Chinese text', () => {
    expect(values('\uFEFFid,名称\n1,乐平市涌山煤业有限责任公司\n')).toEqual([['id', '名称'], ['1', '乐平市涌山煤业有限责任公司']])
  })
  it('quoted fields hold commas, doubled quotes and line breaks', () => {
    expect(values('"a,b","say ""hi""","two\nlines",""\n')).toEqual([['a,b', 'say "hi"', 'two\nlines', '']])
    expect(values('""\n')).toEqual([['']])
  })
  it('locates each field: line and column where it starts, after a multi-line field too', () => {
    const records = parseCsv('x,"1\n2",涌山镇,z\nnext,row\n')
    expect(records[0]!.fields.map((f) => [f.line, f.column])).toEqual([[1, 1], [1, 3], [2, 4], [2, 8]])
    expect(records[1]).toMatchObject({ line: 3, fields: [{ line: 3, column: 1 }, { line: 3, column: 6 }] })
  })
  it('refuses what it would have to guess, saying where', () => {
    const error = (text: string) => {
      try {
        parseCsv(text)
      } catch (e) {
        expect(e).toBeInstanceOf(CsvSyntaxError)
        const { line, column, message } = e as CsvSyntaxError
        return `${line}:${column} ${message}`
      }
      return 'no error'
    }
    expect(error('a,b\n1,x"y\n')).toBe('2:4 quote inside an unquoted field (enclose the field in quotes and double the inner quote)')
    expect(error('a,"b"c\n')).toBe('1:6 text after the closing quote (a quote inside a field must be doubled)')
    expect(error('a\n"open,\nb\n')).toBe('2:1 quoted field is never closed')
    expect(error('a\rb\n')).toBe('1:2 carriage return without a line feed')
  })
  it('reads back whatever a writer quoting by the RFC wrote', () => {
    const field = fc.string({ unit: fc.constantFrom('a', 'z', ',', '"', '\n', '\r\n', ' ', '涌', '镇') })
    const quote = (s: string) => (/[",\r\n]/u.test(s) ? `"${s.replace(/"/gu, '""')}"` : s)
    fc.assert(fc.property(fc.array(fc.array(field, { minLength: 2, maxLength: 5 }), { minLength: 1, maxLength: 5 }), fc.boolean(), (rows, crlf) => {
      const text = rows.map((r) => r.map(quote).join(',')).join(crlf ? '\r\n' : '\n')
      expect(values(text)).toEqual(rows)
    }))
  })
})
