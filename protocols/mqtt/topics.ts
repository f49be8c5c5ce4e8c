/** MQTT protocol v1 topics (README, "MQTT protocol v1"): `fleet/v1/{siteId}/{gatewayId}/{kind}` */
export const TOPIC_PREFIX = 'fleet/v1'

export const TOPIC_KINDS = ['telemetry', 'events', 'status', 'inventory', 'cmd-result'] as const
export type TopicKind = (typeof TOPIC_KINDS)[number]

import { ID_PATTERN } from '../ids.ts'

/** Ids that are safe as one MQTT topic level: no wildcards, no separators. */
export const TOPIC_ID_PATTERN = ID_PATTERN
const ID = new RegExp(TOPIC_ID_PATTERN, 'u')

export function topicRoot(site: string, gateway: string): string {
  if (!ID.test(site) || !ID.test(gateway)) throw new RangeError(`site "${site}" and gateway "${gateway}" must match ${TOPIC_ID_PATTERN}`)
  return `${TOPIC_PREFIX}/${site}/${gateway}/`
}

export const topicOf = (site: string, gateway: string, kind: TopicKind): string => `${topicRoot(site, gateway)}${kind}`
export const commandTopic = (site: string, gateway: string, name: string): string => `${topicRoot(site, gateway)}cmd/${name}`

export type ParsedTopic =
  | { site: string; gateway: string; kind: TopicKind }
  | { site: string; gateway: string; kind: 'cmd'; command: string }

/** The parts of a protocol topic, or undefined for anything else (which a consumer counts and drops). */
export function parseTopic(topic: string): ParsedTopic | undefined {
  const parts = topic.split('/')
  if (parts.length < 5 || `${parts[0]}/${parts[1]}` !== TOPIC_PREFIX) return undefined
  const [, , site, gateway, kind, command, ...rest] = parts
  if (!site || !gateway || !ID.test(site) || !ID.test(gateway) || rest.length > 0) return undefined
  if (kind === 'cmd' && command && ID.test(command)) return { site, gateway, kind: 'cmd', command }
  if (command === undefined && (TOPIC_KINDS as readonly string[]).includes(kind!)) return { site, gateway, kind: kind as TopicKind }
  return undefined
}
