// The last hour of each numeric channel from /api/series (1-minute buckets), cached per channel and
// fetched again at most every REFRESH_MS, so the 2-second live refresh does not reload every chart.
import { api } from './api.js'

export const HOUR_MS = 3_600_000
export const REFRESH_MS = 30_000
const cache = new Map()

export const seriesKey = (gatewayId, device, channel) => JSON.stringify([gatewayId, device, channel])

/** The cached entry { series, from, to } or undefined. */
export const cachedSeries = (key) => cache.get(key)

/** Fetch the channel's last hour unless a fresh copy is cached; `onLoaded(entry)` when it arrives. */
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
