/** A read cycle as an installer reads it on an 80-column terminal. Pure: the report in, lines out. */
import { WORD_ORDERS } from '../../../protocols/modbus/index.ts'
import { formatNumber, PLAUSIBLE_MAGNITUDE, USUAL_RANGES, type FloatProblem } from '../word-order/index.ts'
import { isBitCycle, type BitCycle, type CycleReport, type PairOrder, type RegisterCycle } from './report.ts'

export const TERMINAL_COLUMNS = 80
const BITS_A_ROW = 16

const PROBLEM_TEXT: Record<FloatProblem, string> = {
  'not-finite': 'not a number',
  denormal: 'denormal',
  'too-small': 'too small',
  'too-large': 'too large',
  'outside-unit-range': 'out of range',
}

/** `text` broken at spaces into lines of at most `width`, each after `indent`. */
export function wrap(text: string, indent: string, width = TERMINAL_COLUMNS): string[] {
  const lines: string[] = []
  let line = ''
  for (const word of text.split(' ')) {
    if (line !== '' && indent.length + line.length + 1 + word.length > width) {
      lines.push(indent + line)
      line = word
    } else {
      line = line === '' ? word : `${line} ${word}`
    }
  }
  if (line !== '') lines.push(indent + line)
  return lines
}

function header(report: CycleReport, reads: number): string[] {
  const last = report.address + report.count - 1
  const span = report.count === 1 ? `${report.address}` : `${report.address}-${last}`
  const times = reads === 1 ? '' : `, ${reads} reads`
  return wrap(`${report.table} ${span} of unit ${report.unit} on ${report.line}${times}, ${report.time.slice(11, 19)} UTC`, '')
}

/** One read shows nothing about stability, so it claims none. */
function verdict(order: PairOrder, believed: boolean, reads: number): string {
  if (!order.plausible) return order.problems.map((p) => PROBLEM_TEXT[p]).join(', ')
  const stability = reads === 1 ? '' : order.stable ? ', stable' : ', jumps'
  return `plausible${stability}${believed ? ' <- believed' : ''}`
}

const right = (text: string | number, width: number) => String(text).padStart(width)

function registerLines(report: RegisterCycle): string[] {
  const lines = header(report, report.reads.length)
  if (report.unitHint !== undefined) {
    const range = USUAL_RANGES[report.unitHint]
    lines.push(...wrap(range ? `unit ${report.unitHint}: plausible floats lie in ${formatNumber(range.min)} to ${formatNumber(range.max)} (${range.basis})` : `unit ${report.unitHint}: no usual range; plausible magnitudes ${formatNumber(PLAUSIBLE_MAGNITUDE.min)} to ${formatNumber(PLAUSIBLE_MAGNITUDE.max)}`, ''))
  }
  lines.push(`  ${right('addr', 5)}  hex   ${right('uint16', 6)}  ${right('int16', 6)}`)
  for (const row of report.registers) lines.push(`  ${right(row.address, 5)}  ${row.hex}  ${right(row.uint16, 6)}  ${right(row.int16, 6)}`)
  for (const pair of report.pairs) {
    lines.push('', `  pair ${pair.address}-${pair.address + 1}${right('uint32', 11)}  ${right('int32', 11)}  ${right('float32', 12)}`)
    for (const order of WORD_ORDERS) {
      const decoded = pair.orders[order]
      lines.push(`    ${order}  ${right(decoded.uint32, 10)}  ${right(decoded.int32, 11)}  ${right(formatNumber(decoded.float32), 12)}  ${verdict(decoded, pair.believed === order, report.reads.length)}`)
    }
    lines.push(...wrap(pair.why, '    '))
  }
  return lines
}

function bitLines(report: BitCycle): string[] {
  const lines = [...header(report, 1), `  ${right('addr', 5)}  bits`]
  for (let i = 0; i < report.bits.length; i += BITS_A_ROW) {
    const row = report.bits.slice(i, i + BITS_A_ROW).map((bit) => (bit ? '1' : '0'))
    const halves = [row.slice(0, 8).join(' '), row.slice(8).join(' ')].filter((h) => h !== '')
    lines.push(`  ${right(report.address + i, 5)}  ${halves.join('  ')}`)
  }
  return lines
}

/** The lines of one cycle, none longer than 80 columns (a long word in `why` aside). */
export function formatCycle(report: CycleReport): string[] {
  return isBitCycle(report) ? bitLines(report) : registerLines(report)
}
