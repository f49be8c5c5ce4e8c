// Daily data coverage of one regulatory system as inline SVG: one bar per day (the worst device's
// share of the day's minutes with good data), the 95 % verification line marked. `coverageBars` is
// pure (tested in node); `coverageChart` builds the element.
import { svg } from '../dom.js'
/** @typedef {import('../api.js').ComplianceEvidence} ComplianceEvidence */
/** @typedef {ComplianceEvidence['coverage'][number]['days'][number]} CoverageDay a day's coverage share */

const WIDTH = 300
export const HEIGHT = 60
/** verified = at least 95 % of the last 7 days (fleet-server/src/compliance/status.ts VERIFIED_COVERAGE) */
const VERIFIED_SHARE = 0.95
const PAD = 2

/**
 * Bar geometry and the y of the 95 % line; a day at or above 95 % is `ok`.
 * @param {CoverageDay[]} days oldest first
 */
export function coverageBars(days, width = WIDTH, height = HEIGHT) {
  const n = Math.max(1, days.length)
  const slot = (width - 2 * PAD) / n
  const y = (/** @type {number} */ share) => PAD + (1 - Math.min(1, Math.max(0, share))) * (height - 2 * PAD)
  const bars = days.map((d, i) => {
    const top = y(d.coverage)
    return {
      day: d.day, coverage: d.coverage, ok: d.coverage >= VERIFIED_SHARE,
      x: +(PAD + i * slot + slot * 0.1).toFixed(1), width: +Math.max(1, slot * 0.8).toFixed(1),
      y: +top.toFixed(1), height: +Math.max(d.coverage > 0 ? 1 : 0, height - PAD - top).toFixed(1),
    }
  })
  return { bars, line: +y(VERIFIED_SHARE).toFixed(1), okDays: bars.filter((b) => b.ok).length }
}

/**
 * The chart for one system's days; `label(okDays, total)` gives its accessible name, `dayTitle` each bar's tooltip.
 * @param {string} system
 * @param {CoverageDay[]} days
 * @param {(okDays: number, total: number) => string} label
 * @param {(day: string, share: number) => string} dayTitle
 */
export function coverageChart(system, days, label, dayTitle) {
  const { bars, line, okDays } = coverageBars(days)
  const chart = svg('svg', {
    viewBox: `0 0 ${WIDTH} ${HEIGHT}`, width: WIDTH, height: HEIGHT, role: 'img', class: 'coverage',
    'data-testid': 'coverage-chart', 'data-system': system, 'data-ok-days': okDays, 'data-days': days.length,
  })
  const title = svg('title', {})
  title.textContent = label(okDays, days.length)
  chart.append(title)
  chart.setAttribute('aria-label', title.textContent)
  for (const bar of bars) {
    const rect = svg('rect', { x: bar.x, y: bar.y, width: bar.width, height: bar.height, class: bar.ok ? 'coverage-ok' : 'coverage-low', 'data-day': bar.day })
    const tip = svg('title', {})
    tip.textContent = dayTitle(bar.day, bar.coverage)
    rect.append(tip)
    chart.append(rect)
  }
  chart.append(svg('line', { x1: 0, x2: WIDTH, y1: line, y2: line, class: 'coverage-line', 'data-testid': 'coverage-line' }))
  return chart
}
