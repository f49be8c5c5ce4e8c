import type { Command } from 'commander'
import { parseInteger } from '../../../protocols/cli/index.ts'
import { MQTT_LIMITS } from '../defaults.ts'
import type { MqttConnectionLimits } from '../mqtt/connection-limits.ts'

/** The embedded broker's limits as `fleet-server start` takes them (strings, as commander gives them). */
export interface MqttLimitFlags {
  mqttMaxPacketBytes: string
  mqttMaxConnections: string
  mqttMaxConnectionsPerAddress: string
}

/** Adds --mqtt-max-packet-bytes, --mqtt-max-connections and --mqtt-max-connections-per-address, with their defaults. */
export function withMqttLimitOptions(command: Command): Command {
  return command
    .option('--mqtt-max-packet-bytes <n>', 'largest MQTT packet a signed-in client may send; a larger one closes its connection', String(MQTT_LIMITS.maxPacketBytes))
    .option('--mqtt-max-connections <n>', 'MQTT connections the embedded broker holds in all', String(MQTT_LIMITS.maxConnections))
    .option('--mqtt-max-connections-per-address <n>', 'MQTT connections from one address (a site behind NAT counts once)', String(MQTT_LIMITS.maxConnectionsPerAddress))
}

export function mqttLimitsOf(flags: MqttLimitFlags): Partial<MqttConnectionLimits> {
  return {
    // a CONNECT with its last will must fit
    maxPacketBytes: parseInteger(flags.mqttMaxPacketBytes, '--mqtt-max-packet-bytes', 1024, 268_435_460),
    maxConnections: parseInteger(flags.mqttMaxConnections, '--mqtt-max-connections', 1, 1_000_000),
    maxConnectionsPerAddress: parseInteger(flags.mqttMaxConnectionsPerAddress, '--mqtt-max-connections-per-address', 1, 1_000_000),
  }
}
