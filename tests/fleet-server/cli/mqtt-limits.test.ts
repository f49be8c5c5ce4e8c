import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { connect, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { until } from '../../support/until.ts'

const BIN = fileURLToPath(new URL('../../../fleet-server/bin/fleet-server.js', import.meta.url))
const dir = mkdtempSync(join(tmpdir(), 'fleet-mqtt-limits-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function fleetServer(args: string[]) {
  const child = spawn(process.execPath, [BIN, 'start', '--port', '0', '--mqtt-port', '0', '--db', join(dir, `${Date.now()}.sqlite`), ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LOG_LEVEL: 'warn' } })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString() })
  child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve))
  return { child, exited, stdout: () => stdout, stderr: () => stderr }
}

describe('fleet-server start: MQTT limits', () => {
  it('--mqtt-max-connections-per-address caps the connections of one address', async () => {
    const server = fleetServer(['--mqtt-max-connections-per-address', '2'])
    const sockets: Socket[] = []
    try {
      await until('the server to say where it listens', () => server.stdout().includes('\n'))
      const mqttPort = Number(/mqtt:\/\/127\.0\.0\.1:(\d+)/u.exec(server.stdout())![1])
      // the server's own ingest client holds one of the two
      const closed = new Set<number>()
      for (let i = 0; i < 3; i++) {
        const socket = connect(mqttPort, '127.0.0.1')
        socket.on('error', () => undefined).once('close', () => closed.add(i))
        sockets.push(socket)
      }
      await until('two of the three connections to be closed', () => closed.size === 2)
      expect(sockets.filter((_, i) => !closed.has(i))).toHaveLength(1)
    } finally {
      for (const socket of sockets) socket.destroy()
      server.child.kill('SIGINT')
    }
    expect(await server.exited).toBe(0)
  })

  it('refuses a limit that is not a whole number in range, naming the option', async () => {
    const server = fleetServer(['--mqtt-max-packet-bytes', '12x'])
    expect(await server.exited).toBe(2)
    expect(server.stderr()).toContain('--mqtt-max-packet-bytes must be a whole number from 1024 to 268435460, got "12x"')
    expect(server.stderr()).not.toMatch(/\n\s+at /u)
  })
})
