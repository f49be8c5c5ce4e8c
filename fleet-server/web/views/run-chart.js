// The readings of a test-gas step as inline SVG: the reading line (broken where a reading was not
// good), the moments the gas was applied and removed and T90 was reached as vertical lines, each
// alarm level's set point as a dashed line and where it was raised as a dot. `gasChartGeometry` is
// pure (tested in node); `gasChart` builds the element.
import { svg } from '../dom.js'
/** @typedef {import('../api.js').GasStep} GasStep */
/** @typedef {{ kind: 'applied' | 't90' | 'removed', x: number, s: number }} Moment a vertical marker, `s` seconds after the gas */

const WIDTH = 600
const HEIGHT = 220
const PAD = { left: 44, right: 12, top: 10, bottom: 22 }

/**
 * The chart's geometry in a `width` × `height` box: x is time after the series' t0, y the reading.
 * The y range holds every reading, the baseline and every set point (so a level never reached still shows).
 * @param {GasStep} step
 */
export function gasChartGeometry(step, width = WIDTH, height = HEIGHT) {
  const { t0, points } = step.readings
  const values = points.flatMap(([, v]) => (v === null ? [] : [v]))
  const levels = step.levels.map((l) => l.setPoint)
  const all = [...values, ...levels, ...(step.baseline === null ? [] : [step.baseline])]
  let lo = all.length ? Math.min(...all) : 0
  let hi = all.length ? Math.max(...all) : 1
  if (hi === lo) { hi += 1; lo -= 1 }
  const margin = (hi - lo) * 0.05
  lo -= margin
  hi += margin
  const lastMs = Math.max(1, ...points.map(([ms]) => ms), (step.removedAt ?? t0) - t0, step.appliedAt - t0)
  const x = (/** @type {number} */ ms) => PAD.left + (ms / lastMs) * (width - PAD.left - PAD.right)
  const y = (/** @type {number} */ v) => PAD.top + (1 - (v - lo) / (hi - lo)) * (height - PAD.top - PAD.bottom)
  const fixed = (/** @type {number} */ n) => +n.toFixed(1)

  /** @type {string[]} */
  const segments = []
  let segment = ''
  for (const [ms, v] of points) {
    if (v === null) { if (segment) segments.push(segment); segment = ''; continue }
    segment += `${segment ? 'L' : 'M'}${fixed(x(ms))},${fixed(y(v))}`
  }
  if (segment) segments.push(segment)

  const after = (/** @type {number} */ at) => (at - step.appliedAt) / 1000
  /** @type {Moment[]} */
  const moments = [{ kind: 'applied', x: fixed(x(step.appliedAt - t0)), s: 0 }]
  if (step.t90S !== null) moments.push({ kind: 't90', x: fixed(x(step.appliedAt - t0 + step.t90S * 1000)), s: step.t90S })
  if (step.removedAt !== undefined) moments.push({ kind: 'removed', x: fixed(x(step.removedAt - t0)), s: after(step.removedAt) })

  return {
    line: segments.join(''),
    moments,
    setPoints: step.levels.map((l) => ({ level: l.level, setPoint: l.setPoint, y: fixed(y(l.setPoint)) })),
    raised: step.levels.flatMap((l) => (l.raisedAt === undefined || l.value === undefined ? []
      : [{ level: l.level, x: fixed(x(l.raisedAt - t0)), y: fixed(y(l.value)) }])),
    yRange: { lo: +lo.toPrecision(3), hi: +hi.toPrecision(3), yLo: fixed(y(lo)), yHi: fixed(y(hi)) },
    xEnd: { s: lastMs / 1000, x: fixed(x(lastMs)) },
    box: { width, height, bottom: height - PAD.bottom, left: PAD.left },
  }
}

/**
 * @param {GasStep} step
 * @param {{ label: string, moment: (kind: Moment['kind']) => string, seconds: (s: number) => string, level: (level: string) => string }} texts
 */
export function gasChart(step, texts) {
  const g = gasChartGeometry(step)
  const { width, height, bottom, left } = g.box
  const chart = svg('svg', {
    viewBox: `0 0 ${width} ${height}`, width, height, role: 'img', class: 'run-chart',
    'data-testid': 'gas-chart', 'data-channel': step.channel, 'data-points': step.readings.points.length,
  })
  const title = svg('title', {})
  title.textContent = texts.label
  chart.append(title)
  chart.setAttribute('aria-label', texts.label)
  const text = (/** @type {string} */ content, /** @type {Record<string, string | number>} */ attrs) => {
    const node = svg('text', attrs)
    node.textContent = content
    return node
  }
  chart.append(
    svg('line', { x1: left, x2: left, y1: g.yRange.yHi, y2: bottom, class: 'run-axis' }),
    svg('line', { x1: left, x2: g.xEnd.x, y1: bottom, y2: bottom, class: 'run-axis' }),
    text(String(g.yRange.hi), { x: left - 4, y: g.yRange.yHi + 8, class: 'run-tick', 'text-anchor': 'end' }),
    text(String(g.yRange.lo), { x: left - 4, y: g.yRange.yLo, class: 'run-tick', 'text-anchor': 'end' }),
    text(texts.seconds(0), { x: left, y: height - 6, class: 'run-tick' }),
    text(texts.seconds(Math.round(g.xEnd.s)), { x: g.xEnd.x, y: height - 6, class: 'run-tick', 'text-anchor': 'end' }))
  for (const sp of g.setPoints) {
    const line = svg('line', { x1: left, x2: g.xEnd.x, y1: sp.y, y2: sp.y, class: 'run-setpoint', 'data-testid': 'setpoint-line', 'data-level': sp.level, 'data-set-point': sp.setPoint })
    const tip = svg('title', {})
    tip.textContent = `${texts.level(sp.level)} ${sp.setPoint}`
    line.append(tip)
    chart.append(line, text(`${texts.level(sp.level)} ${sp.setPoint}`, { x: g.xEnd.x - 2, y: sp.y - 3, class: 'run-tick', 'text-anchor': 'end' }))
  }
  for (const m of g.moments) {
    chart.append(
      svg('line', { x1: m.x, x2: m.x, y1: g.yRange.yHi, y2: bottom, class: `run-moment run-${m.kind}`, 'data-testid': 'moment', 'data-kind': m.kind, 'data-seconds': m.s }),
      text(texts.moment(m.kind), { x: m.x + 3, y: g.yRange.yHi + 10, class: 'run-tick' }))
  }
  if (g.line) chart.append(svg('path', { d: g.line, class: 'run-line', 'data-testid': 'readings-line' }))
  for (const r of g.raised) chart.append(svg('circle', { cx: r.x, cy: r.y, r: 3.5, class: 'run-raised', 'data-testid': 'level-raised', 'data-level': r.level }))
  return chart
}
