import { randomUUID } from 'node:crypto'
import type { MqttClient } from 'mqtt'
import { COMMAND_NAMES, commandArgsErrors, commandTopic, isCommandName } from '../../../protocols/mqtt/index.ts'
import type { Command as CommandPayload } from '../../../protocols/mqtt/index.ts'
import { firstErrorText } from '../../../protocols/validation/ajv.ts'
import type { CommandRecord } from '../model/index.ts'
import type { FleetStore } from '../store/types.ts'
import { ProductError } from '../../../protocols/errors.ts'

/**
 * Commands a gateway accepts on `fleet/v1/{site}/{gateway}/cmd/{name}` (args per protocols/mqtt/commands.ts):
 *
 * - `ack-alarm` `{ device, channel, kind?, by? }` or `{ all: true, by? }`: acknowledge alarms
 * - `reset-interlock` `{ interlock, by? }`: manual reset of a tripped interlock once its condition is gone
 * - `bypass-interlock` `{ interlock, reason, minutes, by? }`: maintenance bypass that ends by itself
 * - `end-bypass` `{ interlock, by? }`: end a bypass early
 * - `safety-status` `{}`: report active alarms, interlocks and bypasses
 *
 * Every command names the signed-in user who issued it (`by`, beside `id` and `ts`); the agent refuses one
 * without it, runs each id once, and answers on `cmd-result` with the command's id; the ingest keeps the first answer.
 */
export class CommandError extends ProductError {
  constructor(readonly code: 'COMMAND_UNKNOWN' | 'COMMAND_ARGS_INVALID' | 'GATEWAY_UNKNOWN', message: string) {
    super(message)
  }
}

export interface CommandSenderOptions {
  client: MqttClient
  store: Pick<FleetStore, 'gatewaySite' | 'recordCommand' | 'getCommand'>
  clock?: () => number
}

export class CommandSender {
  private readonly clock: () => number

  constructor(private readonly options: CommandSenderOptions) {
    this.clock = options.clock ?? Date.now
  }

  /** Validates, records and publishes a command (QoS 1, not retained); resolves once the broker has it. */
  async send(gatewayId: string, name: string, args: Record<string, unknown>, by: string): Promise<CommandRecord> {
    if (!isCommandName(name)) throw new CommandError('COMMAND_UNKNOWN', `unknown command "${name}" (expected one of ${COMMAND_NAMES.join(', ')})`)
    const errors = commandArgsErrors(name, args)
    if (errors) throw new CommandError('COMMAND_ARGS_INVALID', `${name} args ${firstErrorText(errors)}`)
    const site = this.options.store.gatewaySite(gatewayId)
    if (site === undefined) throw new CommandError('GATEWAY_UNKNOWN', `gateway ${gatewayId} is not registered`)
    const command: CommandRecord = { id: randomUUID(), gatewayId, name, sentAt: this.clock(), by }
    // recorded first, so a result that arrives at once finds its command
    this.options.store.recordCommand({ ...command, args })
    // the gateway refuses a command that names no issuer, and records this name rather than one in args
    const payload: CommandPayload = { v: 1, id: command.id, ts: command.sentAt, by, args }
    await this.options.client.publishAsync(commandTopic(site, gatewayId, name), JSON.stringify(payload), { qos: 1, retain: false })
    return command
  }

  result(id: string): CommandRecord | undefined {
    return this.options.store.getCommand(id)
  }
}
