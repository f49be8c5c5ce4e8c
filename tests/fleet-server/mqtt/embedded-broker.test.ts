import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connect, type IClientOptions, type MqttClient } from 'mqtt'
import { startIngest, type RunningIngest } from '../../../fleet-server/src/ingest/index.ts'
import { CommandError, CommandSender, hashSecret, startEmbeddedBroker, verifySecret, type EmbeddedBroker } from '../../../fleet-server/src/mqtt/index.ts'
import type { SqliteStore } from '../../../fleet-server/src/store/sqlite/index.ts'
import { CommandSchema } from '../../../protocols/mqtt/index.ts'
import { createValidator } from '../../../protocols/validation/ajv.ts'
import { until } from '../../support/until.ts'
import { json, memoryStore, seedRegistry, status, topic } from '../store/fixtures.ts'

const SERVER = { username: 'fleet-server', password: 'server-secret' }
const now = { value: Date.now() }
let store: SqliteStore
let broker: EmbeddedBroker
let ingest: RunningIngest
const clients: MqttClient[] = []

/** Connects, or resolves with the refusal's return code. */
function attempt(options: IClientOptions): Promise<{ client?: MqttClient; refused?: number }> {
  return new Promise((resolve) => {
    const client = connect(broker.url, { protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 5000, ...options })
    client.once('connect', () => {
      clients.push(client)
      resolve({ client })
    })
    client.once('error', (error) => {
      client.end(true)
      resolve({ refused: (error as Error & { code?: number }).code ?? -1 })
    })
  })
}

/** A seeded gateway's own client id: `gw-E-S-G` is of site `site-E-S`. */
const ownClientId = (id: string) => `edge-${id.replace(/^gw-(\d+)-(\d+)-\d+$/u, 'site-$1-$2')}-${id}`

async function gateway(id: string, extra: IClientOptions = {}): Promise<MqttClient> {
  const { client } = await attempt({ username: id, password: `pw-${id}`, clientId: ownClientId(id), ...extra })
  if (!client) throw new Error(`gateway ${id} could not sign in`)
  return client
}

beforeAll(async () => {
  store = memoryStore(now)
  const { gateways } = seedRegistry(store, { enterprises: 1, sitesPerEnterprise: 2, gatewaysPerSite: 1, devicesPerGateway: 1 })
  for (const g of gateways) store.setGatewayCredentials({ gatewayId: g.id, siteId: g.site, username: g.id, passwordHash: await hashSecret(`pw-${g.id}`) })
  broker = await startEmbeddedBroker({ port: 0, store, serverCredentials: SERVER })
  ingest = await startIngest({ url: broker.url, store, clientOptions: { ...SERVER, clientId: 'embedded-ingest' } })
})

afterAll(async () => {
  await Promise.all(clients.map((c) => c.endAsync(true)))
  await ingest.close()
  await broker.close()
  store.close()
})

describe('secrets', () => {
  it('verifies scrypt hashes in constant time and rejects malformed ones', async () => {
    const hash = await hashSecret('correct horse')
    expect(hash).toMatch(/^scrypt\$16384\$8\$1\$/)
    expect(await verifySecret('correct horse', hash)).toBe(true)
    expect(await verifySecret('correct horsf', hash)).toBe(false)
    expect(await verifySecret('x', 'plain')).toBe(false)
    expect(await verifySecret('x', 'scrypt$99999999$8$1$AA==$AA==')).toBe(false)
  })
})

describe('embedded broker', () => {
  it('refuses anonymous clients and wrong passwords', async () => {
    expect((await attempt({})).refused).toBe(5)
    expect((await attempt({ username: 'gw-0-0-0', password: 'wrong' })).refused).toBe(4)
    expect((await attempt({ username: 'nobody', password: 'pw' })).refused).toBe(4)
    expect((await attempt({ username: SERVER.username, password: 'wrong' })).refused).toBe(4)
    expect((await attempt({ username: 'gw-0-0-0', password: 'pw-gw-0-0-0', clientId: ownClientId('gw-0-0-0') })).client).toBeDefined()
  })

  it('lets a gateway publish only under its own root and subscribe only to its own commands', async () => {
    const seen: string[] = []
    const { client: server } = await attempt({ ...SERVER, clientId: 'observer' })
    server!.on('message', (t) => seen.push(t))
    await server!.subscribeAsync('fleet/v1/#', { qos: 1 })
    const a = await gateway('gw-0-0-0')
    expect((await a.subscribeAsync('fleet/v1/site-0-0/gw-0-0-0/cmd/#', { qos: 1 })).map((g) => g.qos)).toEqual([1])
    // mqtt.js turns a refused subscription (granted 128) into a rejection
    await expect(a.subscribeAsync('fleet/v1/site-0-1/gw-0-1-0/cmd/#', { qos: 1 })).rejects.toThrow(/Subscribe error/)
    await expect(a.subscribeAsync('fleet/v1/#', { qos: 1 })).rejects.toThrow(/Subscribe error/)
    await a.publishAsync(topic('site-0-0', 'gw-0-0-0', 'status'), json(status('gw-0-0-0', now.value)), { qos: 1, retain: true })
    await until('its own status', () => seen.includes('fleet/v1/site-0-0/gw-0-0-0/status'))
    // the broker drops the connection of a client publishing where it may not
    const closed = new Promise<void>((resolve) => a.once('close', () => resolve()))
    a.publish(topic('site-0-1', 'gw-0-1-0', 'telemetry'), json({ v: 1 }), { qos: 1 })
    await closed
    const b = await gateway('gw-0-1-0')
    const bClosed = new Promise<void>((resolve) => b.once('close', () => resolve()))
    b.publish(topic('site-0-1', 'gw-0-1-0', 'cmd/ack-alarm'), json({ v: 1 }), { qos: 1 })
    await bClosed
    // the broker forwards in the order it takes messages in: once a status published after the refused messages
    // reached the observer, any of them the broker had let through would have reached it before
    const ownStatus = 'fleet/v1/site-0-0/gw-0-0-0/status'
    const c = await gateway('gw-0-0-0')
    await c.publishAsync(ownStatus, json(status('gw-0-0-0', now.value)), { qos: 1 })
    await until('the status published after the refused messages', () => seen.filter((t) => t === ownStatus).length === 2)
    expect(seen.filter((t) => !t.endsWith('/status'))).toEqual([])
    expect(seen.filter((t) => t.startsWith('fleet/v1/site-0-1/'))).toEqual([])
  })

  it('passes the last will to the ingest, which marks the gateway offline', async () => {
    const id = 'gw-0-1-0'
    const will = { topic: topic('site-0-1', id, 'status'), payload: json(status(id, Date.now(), 'offline')), qos: 1 as const, retain: true }
    const agent = await gateway(id, { will })
    await agent.publishAsync(topic('site-0-1', id, 'status'), json(status(id, Date.now())), { qos: 1, retain: true })
    const state = () => store.listGateways({ role: 'admin' }).find((g) => g.id === id)?.state
    await until('online', () => state() === 'online')
    agent.stream.destroy()
    await until('offline by the last will', () => state() === 'offline')
  })

  it('sends commands a gateway receives and answers', async () => {
    const id = 'gw-0-0-0'
    const agent = await gateway(id)
    const received: { topic: string; body: unknown }[] = []
    agent.on('message', (t, payload) => received.push({ topic: t, body: JSON.parse(payload.toString()) }))
    await agent.subscribeAsync(`fleet/v1/site-0-0/${id}/cmd/#`, { qos: 1 })
    const sender = new CommandSender({ client: ingest.client, store })
    await expect(sender.send(id, 'self-destruct', {}, 'ops')).rejects.toBeInstanceOf(CommandError)
    await expect(sender.send(id, 'ack-alarm', { device: 'gas-0' }, 'ops')).rejects.toMatchObject({ code: 'COMMAND_ARGS_INVALID' })
    await expect(sender.send('gw-ghost', 'safety-status', {}, 'ops')).rejects.toMatchObject({ code: 'GATEWAY_UNKNOWN' })
    const command = await sender.send(id, 'ack-alarm', { device: 'gas-0', channel: 'ch4', by: '张工' }, 'zhang')
    await until('the command at the gateway', () => received.length === 1)
    expect(received[0]!.topic).toBe(`fleet/v1/site-0-0/${id}/cmd/ack-alarm`)
    expect(createValidator(CommandSchema)(received[0]!.body)).toBe(true)
    expect(received[0]!.body).toMatchObject({ v: 1, id: command.id, by: 'zhang', args: { device: 'gas-0', channel: 'ch4' } })
    expect(sender.result(command.id)?.result).toBeUndefined()
    await agent.publishAsync(topic('site-0-0', id, 'cmd-result'), json({ v: 1, gw: id, id: command.id, command: 'ack-alarm', ok: true, ts: Date.now() }), { qos: 1 })
    await until('the result', () => sender.result(command.id)?.result !== undefined)
    expect(sender.result(command.id)).toMatchObject({ gatewayId: id, name: 'ack-alarm', by: 'zhang', result: { ok: true } })
  })
})
