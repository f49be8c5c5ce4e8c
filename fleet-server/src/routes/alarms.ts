import type { FastifyPluginAsync } from 'fastify'
import Type from 'typebox'
import type { AckAlarmArgs } from '../../../protocols/mqtt/commands.ts'
import { AlarmSchema, CommandRecordSchema, InterlockActionSchema } from '../model/index.ts'
import { CommandError } from '../mqtt/commands.ts'
import { sessionOf } from './access.ts'
import { AlarmParamsSchema, AlarmsQuerySchema, CommandParamsSchema, InterlocksQuerySchema } from './alarms.schema.ts'
import type { RouteDeps } from './deps.ts'
import { ApiError, errorResponses, notFound, unavailable } from './errors.ts'
import type { TypeBoxProvider } from './type-provider.ts'

/** Alarms, their acknowledgement (a command to the gateway, which owns the alarm state), interlock actions. */
export const alarmRoutes: FastifyPluginAsync<RouteDeps> = async (app, { store, commands }) => {
  const api = app.withTypeProvider<TypeBoxProvider>()

  api.get('/api/alarms', {
    config: { access: 'signed-in' },
    schema: {
      tags: ['alarms'], summary: 'alarms, latest first',
      querystring: AlarmsQuerySchema,
      response: { 200: Type.Array(AlarmSchema), ...errorResponses(400, 401) },
    },
  }, async (request) => store.listAlarms(sessionOf(request).scope, request.query))

  api.post('/api/alarms/:id/ack', {
    config: { access: { roles: ['enterprise', 'admin'], doing: 'acknowledge alarms' } },
    schema: {
      tags: ['alarms'],
      summary: 'acknowledge an alarm (enterprise for its own sites, admin): sends ack-alarm to its gateway',
      description: 'Answers the command as sent; GET /api/commands/{id} shows the gateway\'s result once it answered.',
      params: AlarmParamsSchema,
      response: { 202: CommandRecordSchema, ...errorResponses(400, 401, 403, 404, 503) },
    },
  }, async (request, reply) => {
    const { user, scope } = sessionOf(request)
    const alarm = store.getAlarm(scope, request.params.id)
    if (!alarm) throw notFound(`alarm ${request.params.id}`)
    const args: AckAlarmArgs = { device: alarm.device, channel: alarm.channel, kind: alarm.kind, by: user.name }
    try {
      const command = await commands.send(alarm.gatewayId, 'ack-alarm', args, user.name)
      store.audit.record({ actor: user.name, action: 'alarm-ack', siteId: alarm.siteId, subject: `alarm ${alarm.id}`, detail: { command: command.id, gatewayId: alarm.gatewayId, device: alarm.device, channel: alarm.channel, kind: alarm.kind } })
      return reply.code(202).send(command)
    } catch (error) {
      // a refused command is this server's bug (500, logged); a failed publish is the broker's (503)
      if (error instanceof ApiError || error instanceof CommandError) throw error
      request.log.warn({ err: error, gatewayId: alarm.gatewayId }, 'ack-alarm not sent')
      throw unavailable(`the acknowledgement could not be sent to gateway ${alarm.gatewayId}; try again`)
    }
  })

  api.get('/api/commands/:id', {
    config: { access: 'signed-in' },
    schema: {
      tags: ['alarms'], summary: 'a command sent to a gateway, with its result once the gateway answered',
      params: CommandParamsSchema,
      response: { 200: CommandRecordSchema, ...errorResponses(400, 401, 404) },
    },
  }, async (request) => {
    const { scope } = sessionOf(request)
    const command = commands.result(request.params.id)
    const visible = command !== undefined && store.listGateways(scope).some((gateway) => gateway.id === command.gatewayId)
    if (!command || !visible) throw notFound(`command ${request.params.id}`)
    return command
  })

  api.get('/api/interlocks', {
    config: { access: 'signed-in' },
    schema: {
      tags: ['alarms'], summary: 'interlock actions (tripped, actuated, restored, bypassed, ...), latest first',
      querystring: InterlocksQuerySchema,
      response: { 200: Type.Array(InterlockActionSchema), ...errorResponses(400, 401) },
    },
  }, async (request) => store.interlockActions(sessionOf(request).scope, request.query))
}
