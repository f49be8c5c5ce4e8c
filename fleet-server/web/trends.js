// The last hour of each numeric channel from /api/series (1-minute buckets), cached per channel and
// fetched again at most every REFRESH_MS, so the 2-second live refresh does not reload every chart.
import { api } from './api.js'
/** @typedef {import('./api.js').Series} Series */

/**
 * A channel's cache entry: the series once one arrived (kept while a refetch is pending, and after
 * a failed one), when it was last fetched, and whether a fetch is under way.
 * @typedef {{ fetchedAt: number, pending: boolean } & ({ series: Series, from: number, to: number } | { series?: undefined })} SeriesEntry
 */
/** @typedef {{ gatewayId: string, device: string, channel: string }} ChannelRef */

const HOUR_MS = 3_600_000
const REFRESH_MS = 30_000
/** @type {Map<string, SeriesEntry>} */
const cache = new Map()

export const seriesKey = (/** @type {string} */ gatewayId, /** @type {string} */ device, /** @type {string} */ channel) => JSON.stringify([gatewayId, device, channel])

/** The cached entry or undefined. */
export const cachedSeries = (/** @type {string} */ key) => cache.get(key)

/**
 * Fetch the channel's last hour unless a fresh copy is cached; `onLoaded(key, entry)` when it arrives.
 * @param {ChannelRef} ref the gateway, device and channel
 * @param {(key: string, entry: SeriesEntry) => void} onLoaded
 */
export function loadSeries({ gatewayId, device, channel }, onLoaded, now = Date.now()) {
  const key = seriesKey(gatewayId, device, channel)
  const entry = cache.get(key)
  if (entry && (entry.pending || now - entry.fetchedAt < REFRESH_MS)) return
  const to = now
  const from = to - HOUR_MS
  cache.set(key, { ...entry, pending: true, fetchedAt: entry?.fetchedAt ?? 0 })
  api.series({ gatewayId, device, channel, from, to }).then(
    (series) => {
      const fresh = { series, from, to, fetchedAt: Date.now(), pending: false }
      cache.set(key, fresh)
      onLoaded(key, fresh)
    },
    () => cache.set(key, { ...entry, pending: false, fetchedAt: Date.now() }),
  )
}
