import type { FastifyPluginAsync } from 'fastify'
import type { RouteDeps } from './deps.ts'
import { HealthSchema } from './health.schema.ts'
import type { TypeBoxProvider } from './type-provider.ts'

export const healthRoutes: FastifyPluginAsync<RouteDeps> = async (app, { health }) => {
  app.withTypeProvider<TypeBoxProvider>().get('/api/health', {
    config: { access: 'public' },
    schema: { tags: ['server'], summary: 'liveness, MQTT connection and ingest counters (no sign-in)', response: { 200: HealthSchema } },
  }, async () => health())
}
