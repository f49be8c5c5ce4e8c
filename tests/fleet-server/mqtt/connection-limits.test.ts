import { mkdtempSync, rmSync } from 'node:fs'
import { connect as connectTcp, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { connect } from 'mqtt'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { hashSecret } from '../../../fleet-server/src/mqtt/index.ts'
import { startFleetServer, type FleetServer } from '../../../fleet-server/src/server.ts'
import { explained, until, valueOf } from '../../support/until.ts'
import { seedRegistry } from '../store/fixtures.ts'

/** Hole 2 of issue 15: a client that never signs in must not make the broker buffer what it announces. */
const PRE_AUTH_MAX_BYTES = 16 * 1024
const MAX_PACKET_BYTES = 256 * 1024
const PER_ADDRESS = 6

const dir = mkdtempSync(join(tmpdir(), 'fleet-limits-'))
const servers: FleetServer[] = []
const sockets: Socket[] = []
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy()
  await Promise.all(servers.splice(0).map((s) => s.close()))
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

async function serve(): Promise<{ server: FleetServer; mqttPort: number }> {
  const server = await startFleetServer({
    port: 0, mqttPort: 0, dbPath: join(dir, `${servers.length}-${Date.now()}.sqlite`),
    mqttLimits: { preAuthMaxBytes: PRE_AUTH_MAX_BYTES, maxPacketBytes: MAX_PACKET_BYTES, maxConnectionsPerAddress: PER_ADDRESS, maxConnections: 1000 },
  })
  servers.push(server)
  return { server, mqttPort: Number(new URL(server.mqttUrl).port) }
}

/** Sends an anonymous CONNECT; answers the CONNACK's return code, or undefined when the server closed first. */
async function connackOf(port: number): Promise<number | undefined> {
  const socket = await open(port)
  return new Promise((resolve) => {
    socket.on('error', () => undefined).once('close', () => resolve(undefined))
    socket.once('data', (answer: Buffer) => {
      resolve(answer[0] === 0x20 ? answer[3] : undefined)
      socket.destroy()
    })
    // protocol MQTT 3.1.1, clean session, keep-alive 60 s, empty client id, no user
    socket.write(Buffer.from([0x10, 0x0c, 0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, 0x04, 0x02, 0x00, 0x3c, 0x00, 0x00]))
  })
}

function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connectTcp(port, '127.0.0.1', () => resolve(socket)).once('error', reject)
    sockets.push(socket)
  })
}

/** The remaining-length field of an MQTT fixed header: 7 bits a byte, high bit "more follows". */
function remainingLength(length: number): Buffer {
  const bytes: number[] = []
  do {
    let byte = length % 128
    length = Math.floor(length / 128)
    if (length > 0) byte |= 0x80
    bytes.push(byte)
  } while (length > 0)
  return Buffer.from(bytes)
}

/**
 * Writes `header` then `chunk` (zeros by default) over and over, up to `totalBytes`, honouring back-pressure, until the server closes
 * the connection. Answers whether it was closed and how many bytes the kernel took from us by then.
 */
async function flood(socket: Socket, header: Buffer, totalBytes: number, chunk = Buffer.alloc(64 * 1024)): Promise<{ closed: boolean; acceptedBytes: number }> {
  // a write refused (EPIPE, ECONNRESET) is the server's close seen before the socket's 'close' event
  let closed = false
  socket.on('error', () => { closed = true })
  socket.once('close', () => { closed = true })
  let acceptedBytes = 0
  const write = (data: Buffer) => new Promise<void>((resolve) => {
    socket.write(data, (error) => {
      if (error) closed = true
      else acceptedBytes += data.length
      resolve()
    })
  })
  await write(header)
  while (acceptedBytes < totalBytes && !closed) await write(chunk)
  return { closed, acceptedBytes }
}

describe('MQTT connection limits (issue 15, hole 2)', () => {
  it('closes a connection whose CONNECT announces 268 MB before more than the pre-auth limit is read', async () => {
    const { mqttPort } = await serve()
    const socket = await open(mqttPort)
    const connectHeader = Buffer.concat([Buffer.from([0x10]), remainingLength(268_435_455)])
    const { closed, acceptedBytes } = await flood(socket, connectHeader, 150 * 1024 * 1024)
    expect(closed, `the server kept the connection open through ${acceptedBytes} bytes`).toBe(true)
    // what the kernel's socket buffers (a few MB on loopback) absorbed before the reset, not 150 MB
    expect(acceptedBytes).toBeLessThan(32 * 1024 * 1024)
  })

  it('disconnects a signed-in gateway whose packet is larger than the packet limit', async () => {
    const { server } = await serve()
    const { gateways } = seedRegistry(server.store, { enterprises: 1, sitesPerEnterprise: 1, gatewaysPerSite: 1, devicesPerGateway: 1 })
    const gw = gateways[0]!
    server.store.setGatewayCredentials({ gatewayId: gw.id, siteId: gw.site, username: gw.id, passwordHash: await hashSecret('gateway-pw') })
    const client = connect(server.mqttUrl, { username: gw.id, password: 'gateway-pw', clientId: `edge-${gw.site}-${gw.id}`, reconnectPeriod: 0, protocolVersion: 4 })
    client.on('error', () => undefined)
    try {
      await until('the gateway to sign in', () => client.connected)
      let closed = false
      client.once('close', () => { closed = true })
      // within the limit: published and still connected
      await client.publishAsync(`fleet/v1/${gw.site}/${gw.id}/telemetry`, Buffer.alloc(MAX_PACKET_BYTES / 2), { qos: 1 })
      expect(client.connected).toBe(true)
      client.publish(`fleet/v1/${gw.site}/${gw.id}/telemetry`, Buffer.alloc(MAX_PACKET_BYTES + 1), { qos: 0 })
      await until('the broker to close the oversized client', () => closed)
    } finally {
      client.end(true)
    }
  })

  it('refuses connections beyond the per-address cap, and accepts again once they are gone', async () => {
    const { mqttPort } = await serve()
    // the server's own ingest client already holds one of the address's connections
    const opened = await Promise.all(Array.from({ length: PER_ADDRESS + 4 }, () => open(mqttPort)))
    const closed = new Set<Socket>()
    for (const socket of opened) socket.on('error', () => undefined).once('close', () => closed.add(socket))
    await explained(until('the connections past the cap to be closed', () => closed.size === 5), () => `${closed.size} closed`)
    const kept = opened.filter((s) => !closed.has(s))
    expect(kept).toHaveLength(PER_ADDRESS - 1)
    for (const socket of kept) socket.destroy()
    // the server counts a connection out when it sees it close: until then a new one may still be refused
    const answer = await valueOf('a new connection to be let in and answered', () => connackOf(mqttPort))
    expect(answer).toBe(5)
  })
})
