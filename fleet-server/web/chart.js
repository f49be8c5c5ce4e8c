// A small trend chart as inline SVG: the min/max band of each 1-minute bucket and the average line.
// `chartPaths` is pure (tested in node); `trendChart` builds the element.
import { svg } from './dom.js'
/** @typedef {import('./api.js').Series} Series */
/** @typedef {import('./api.js').SeriesPoint} SeriesPoint */
/** @typedef {SeriesPoint & { min: number, max: number, avg: number }} ValuedPoint a bucket with a value */
/** @typedef {{ min: number, max: number, avg: number }} ChartStats over the buckets with a value */

const WIDTH = 160
const HEIGHT = 40
const PAD = 2

/** @returns {p is ValuedPoint} */
const hasValue = (/** @type {SeriesPoint} */ p) => p.min !== null && p.max !== null && p.avg !== null

/**
 * Path data for the band and the line; gaps (buckets without a value) break both.
 * @param {SeriesPoint[]} points
 * @param {number} from epoch ms at the left edge
 * @param {number} to epoch ms at the right edge
 * @returns {(ChartStats & { band: string, line: string, bad: string[] }) | null} null without a value
 */
export function chartPaths(points, from, to, width = WIDTH, height = HEIGHT) {
  const valued = points.filter(hasValue)
  if (valued.length === 0) return null
  let lo = Math.min(...valued.map((p) => p.min))
  let hi = Math.max(...valued.map((p) => p.max))
  if (hi === lo) { hi += 1; lo -= 1 }
  const span = Math.max(1, to - from)
  const x = (/** @type {number} */ ts) => PAD + ((ts - from) / span) * (width - 2 * PAD)
  const y = (/** @type {number} */ v) => PAD + (1 - (v - lo) / (hi - lo)) * (height - 2 * PAD)
  const fmt = (/** @type {number} */ n) => n.toFixed(1)

  /** @type {ValuedPoint[][]} */
  const runs = []
  /** @type {ValuedPoint[]} */
  let run = []
  for (const p of points) {
    if (!hasValue(p)) {
      if (run.length) runs.push(run)
      run = []
    } else run.push(p)
  }
  if (run.length) runs.push(run)

  let band = ''
  let line = ''
  for (const r of runs) {
    // a lone bucket still gets a visible width
    const [only] = r
    const pts = r.length === 1 && only ? [only, { ...only, ts: only.ts + span / 120 }] : r
    band += 'M' + pts.map((p) => `${fmt(x(p.ts))},${fmt(y(p.max))}`).join('L')
    band += 'L' + [...pts].reverse().map((p) => `${fmt(x(p.ts))},${fmt(y(p.min))}`).join('L') + 'Z'
    line += 'M' + pts.map((p) => `${fmt(x(p.ts))},${fmt(y(p.avg))}`).join('L')
  }
  const avg = valued.reduce((sum, p) => sum + p.avg, 0) / valued.length
  const bad = points.filter((p) => p.bad > 0).map((p) => fmt(x(p.ts)))
  return { band, line, bad, min: Math.min(...valued.map((p) => p.min)), max: Math.max(...valued.map((p) => p.max)), avg }
}

/**
 * The chart for one series; `label(stats)` gives its accessible name. Returns null without data.
 * @param {Series} series
 * @param {number} from
 * @param {number} to
 * @param {(stats: ChartStats) => string} label
 */
export function trendChart(series, from, to, label) {
  const paths = chartPaths(series.points, from, to)
  if (!paths) return null
  const chart = svg('svg', { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, width: WIDTH, height: HEIGHT, role: 'img', class: 'trend', 'data-testid': 'trend-chart' })
  const title = svg('title', {})
  title.textContent = label(paths)
  chart.append(title)
  chart.setAttribute('aria-label', title.textContent)
  for (const x of paths.bad) chart.append(svg('line', { x1: x, x2: x, y1: 0, y2: HEIGHT, class: 'trend-bad' }))
  chart.append(svg('path', { d: paths.band, class: 'trend-band' }))
  chart.append(svg('path', { d: paths.line, class: 'trend-line', fill: 'none' }))
  return chart
}
