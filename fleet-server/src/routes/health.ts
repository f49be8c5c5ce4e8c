import type { FastifyPluginAsync } from 'fastify'
import { HealthSchema } from '../api/schemas.ts'
import type { RouteDeps } from './deps.ts'
import type { TypeBoxProvider } from './type-provider.ts'

export const healthRoutes: FastifyPluginAsync<RouteDeps> = async (app, { health }) => {
  app.withTypeProvider<TypeBoxProvider>().get('/api/health', {
    schema: { tags: ['server'], summary: 'liveness, MQTT connection and ingest counters (no sign-in)', response: { 200: HealthSchema } },
  }, async () => health())
}
