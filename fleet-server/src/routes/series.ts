import type { FastifyPluginAsync } from 'fastify'
import { SERIES_DEFAULT_WINDOW_MS, SERIES_MAX_POINTS } from '../defaults.ts'
import { SeriesSchema } from '../model/index.ts'
import { sessionOf } from './access.ts'
import type { RouteDeps } from './deps.ts'
import { badRequest, errorResponses, notFound } from './errors.ts'
import { SeriesQuerySchema } from './series.schema.ts'
import type { TypeBoxProvider } from './type-provider.ts'

const STEP_MS = { '1m': 60_000, '1h': 3_600_000 } as const

export const seriesRoutes: FastifyPluginAsync<RouteDeps> = async (app, { store, clock }) => {
  app.withTypeProvider<TypeBoxProvider>().get('/api/series', {
    config: { access: 'signed-in' },
    schema: {
      tags: ['sites'], summary: 'one channel\'s readings rolled up into 1-minute or 1-hour buckets',
      querystring: SeriesQuerySchema,
      response: { 200: SeriesSchema, ...errorResponses(400, 401, 404) },
    },
  }, async (request) => {
    const { scope } = sessionOf(request)
    const { gatewayId, device, channel, step = '1m' } = request.query
    const to = request.query.to ?? clock()
    const from = request.query.from ?? to - SERIES_DEFAULT_WINDOW_MS
    const stepMs = STEP_MS[step]
    if (from >= to) throw badRequest(`querystring/from must be before to (from=${from}, to=${to})`)
    if ((to - from) / stepMs > SERIES_MAX_POINTS) throw badRequest(`querystring/from: at most ${SERIES_MAX_POINTS} buckets of ${step}; narrow from..to or use step=1h`)
    const series = store.series(scope, { gatewayId, device, channel, from, to, stepMs })
    if (!series) throw notFound(`series of ${gatewayId}/${device}/${channel}`)
    return series
  })
}
