// Formatting of times (always Asia/Shanghai), values and qualities for display.
import { lang, t, tOr } from './i18n/index.js'
/** @typedef {import('./api.js').Reading} Reading */

export const TIME_ZONE = 'Asia/Shanghai'
/** @type {Map<string, Intl.DateTimeFormat>} */
const formatters = new Map()

/**
 * The fields of `ts` in Asia/Shanghai (year, month, day, hour, minute, second), each zero-padded.
 * @param {number} ts epoch milliseconds
 */
function parts(ts) {
  let fmt = formatters.get('full')
  if (!fmt) {
    fmt = new Intl.DateTimeFormat('en-GB', {
      timeZone: TIME_ZONE, year: 'numeric', month: '2-digit', day: '2-digit',
      hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23',
    })
    formatters.set('full', fmt)
  }
  /** @type {Partial<Record<Intl.DateTimeFormatPartTypes, string>>} */
  const out = {}
  for (const part of fmt.formatToParts(new Date(ts))) out[part.type] = part.value
  return out
}

/**
 * `2026-11-29 17:45:51` in Asia/Shanghai, the same shape in both languages.
 * @param {number | null | undefined} ts epoch milliseconds
 */
export function formatTime(ts) {
  if (ts === null || ts === undefined) return t('value.none')
  const p = parts(ts)
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second}`
}

/**
 * `17:45` in Asia/Shanghai.
 * @param {number} ts epoch milliseconds
 */
export function formatClock(ts, seconds = false) {
  const p = parts(ts)
  return seconds ? `${p.hour}:${p.minute}:${p.second}` : `${p.hour}:${p.minute}`
}

export function formatNumber(/** @type {unknown} */ value) {
  if (typeof value !== 'number' || !Number.isFinite(value)) return t('value.none')
  const digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2
  return new Intl.NumberFormat(lang() === 'zh' ? 'zh-CN' : 'en-GB', { maximumFractionDigits: digits }).format(value)
}

/**
 * A value as text: numbers rounded, booleans as on/off, nothing as a dash.
 * @param {Reading['value'] | undefined} value
 * @param {string} [unit]
 */
export function formatValue(value, unit) {
  if (value === null || value === undefined) return t('value.none')
  if (typeof value === 'boolean') return value ? t('value.on') : t('value.off')
  if (typeof value === 'number') return unit ? `${formatNumber(value)} ${unit}` : formatNumber(value)
  return String(value)
}

/**
 * A reading: a bad quality is shown as that quality, never as a number.
 * @param {Reading} reading
 */
export function formatReading(reading) {
  if (reading.quality !== 'good') return tOr('quality', reading.quality)
  return formatValue(reading.value, reading.unit)
}
