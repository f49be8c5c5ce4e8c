/**
 * A strict RFC 4180 reader: fields separated by commas, records by CRLF or LF, fields that hold a
 * comma, a quote or a line break enclosed in double quotes with inner quotes doubled. A leading
 * UTF-8 byte-order mark is dropped. Anything else (a quote inside an unquoted field, text after a
 * closing quote, a quote never closed) is an error located at its line and column, never guessed.
 * Lines with nothing on them are skipped. (No CSV library is installed; this is the whole grammar.)
 */
import { ProductError } from '../../../protocols/errors.ts'

export interface CsvField {
  value: string
  /** 1-based line and column (in UTF-16 code units, i.e. characters for Chinese text) where the field starts */
  line: number
  column: number
}

export interface CsvRecord {
  fields: CsvField[]
  /** the line the record starts on */
  line: number
}

export class CsvSyntaxError extends ProductError {
  readonly code = 'CSV_SYNTAX'
  constructor(readonly line: number, readonly column: number, message: string) {
    super(message)
    this.name = 'CsvSyntaxError'
  }
}

export function parseCsv(input: string): CsvRecord[] {
  const text = input.startsWith('\uFEFF') ? input.slice(1) : input
  const records: CsvRecord[] = []
  let line = 1
  let lineStart = 0
  let i = 0
  const col = (at: number) => at - lineStart + 1

  while (i < text.length) {
    // a record
    const fields: CsvField[] = []
    const recordLine = line
    let quoted = false
    for (;;) {
      const field: CsvField = { value: '', line, column: col(i) }
      if (text[i] === '"') {
        const open = { line, column: col(i) }
        quoted = true
        i++
        let value = ''
        for (;;) {
          if (i >= text.length) throw new CsvSyntaxError(open.line, open.column, 'quoted field is never closed')
          const c = text[i]!
          if (c === '"') {
            if (text[i + 1] === '"') {
              value += '"'
              i += 2
              continue
            }
            i++
            break
          }
          if (c === '\n') {
            line++
            lineStart = i + 1
          }
          value += c
          i++
        }
        field.value = value
        const next = text[i]
        if (next !== undefined && next !== ',' && next !== '\n' && !(next === '\r' && text[i + 1] === '\n')) {
          throw new CsvSyntaxError(line, col(i), 'text after the closing quote (a quote inside a field must be doubled)')
        }
      } else {
        const start = i
        while (i < text.length && text[i] !== ',' && text[i] !== '\n' && !(text[i] === '\r' && text[i + 1] === '\n')) {
          if (text[i] === '"') throw new CsvSyntaxError(line, col(i), 'quote inside an unquoted field (enclose the field in quotes and double the inner quote)')
          if (text[i] === '\r') throw new CsvSyntaxError(line, col(i), 'carriage return without a line feed')
          i++
        }
        field.value = text.slice(start, i)
      }
      fields.push(field)
      if (text[i] === ',') {
        i++
        continue
      }
      break
    }
    // end of record: CRLF, LF or the end of the text
    if (text[i] === '\r') i++
    if (text[i] === '\n') {
      i++
      line++
      lineStart = i
    }
    // an empty line is skipped; `""` on a line of its own is a record with one empty field
    const blank = fields.length === 1 && fields[0]!.value === '' && !quoted
    if (!blank) records.push({ fields, line: recordLine })
  }
  return records
}
