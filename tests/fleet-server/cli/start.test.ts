import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { freePort } from '../../support/ports.ts'

const BIN = fileURLToPath(new URL('../../../fleet-server/bin/fleet-server.js', import.meta.url))
const dir = mkdtempSync(join(tmpdir(), 'fleet-start-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** `fleet-server start ARGS` until its first line on stdout (where it listens); SIGINT after `check`, which gets that line */
async function started(args: string[], check: (line: string) => Promise<void>): Promise<void> {
  const child = spawn(process.execPath, [BIN, 'start', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LOG_LEVEL: 'warn' } })
  let stderr = ''
  child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve))
  try {
    const line = await new Promise<string>((resolve, reject) => {
      let stdout = ''
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString()
        if (stdout.includes('\n')) resolve(stdout.split('\n')[0]!)
      })
      void exited.then((code) => reject(new Error(`exited ${code}: ${stderr}`)))
    })
    await check(line)
  } finally {
    child.kill('SIGINT')
  }
  expect(await exited).toBe(0)
  expect(stderr).not.toMatch(/error/iu)
}

describe('fleet-server start', () => {
  it('--help says that port 0 picks a free port, and where to read which', async () => {
    const help = await new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, [BIN, 'start', '--help'], { stdio: ['ignore', 'pipe', 'inherit'] })
      let stdout = ''
      child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString() })
      child.on('error', reject)
      child.on('close', () => resolve(stdout.replace(/\s+/gu, ' ')))
    })
    expect(help).toContain('--port <n> HTTP port; 0 picks a free one (the line printed at start says which) (default: "8080")')
    expect(help).toContain('--mqtt-port <n> embedded broker port; 0 picks a free one (the line printed at start says which) (default: "1883")')
  })

  it('--port 0 --mqtt-port 0 listen on free ports and print them', async () => {
    await started(['--port', '0', '--mqtt-port', '0', '--db', join(dir, 'free.sqlite')], async (line) => {
      const m = /^fleet server listening on http:\/\/127\.0\.0\.1:(\d+) \(mqtt mqtt:\/\/127\.0\.0\.1:(\d+)\)$/u.exec(line)
      expect(m, line).not.toBeNull()
      const [port, mqttPort] = [Number(m![1]), Number(m![2])]
      expect(port).toBeGreaterThan(0)
      expect(mqttPort).toBeGreaterThan(0)
      expect((await fetch(`http://127.0.0.1:${port}/api/health`)).status).toBe(200)
      const { connect } = await import('node:net')
      await new Promise<void>((resolve, reject) => {
        const socket = connect(mqttPort, '127.0.0.1', () => { socket.destroy(); resolve() }).on('error', reject)
      })
    })
  })

  it('prints where it listens, serves the API and exits 0 on SIGINT', async () => {
    const [port, mqttPort] = [await freePort(), await freePort()]
    await started(['--port', String(port), '--mqtt-port', String(mqttPort), '--db', join(dir, 'fleet.sqlite')], async (line) => {
      expect(line).toBe(`fleet server listening on http://127.0.0.1:${port} (mqtt mqtt://127.0.0.1:${mqttPort})`)
      expect((await fetch(`http://127.0.0.1:${port}/api/health`)).status).toBe(200)
    })
  })

  it('exits 1 with one line when the port is taken', async () => {
    const port = await freePort()
    const { createServer } = await import('node:net')
    const blocker = createServer().listen(port, '127.0.0.1')
    try {
      const child = spawn(process.execPath, [BIN, 'start', '--port', String(port), '--mqtt-port', String(await freePort()), '--db', join(dir, 'taken.sqlite')], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LOG_LEVEL: 'silent' } })
      let stderr = ''
      child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
      expect(code).toBe(1)
      expect(stderr).toMatch(/^fleet-server: cannot listen: .*EADDRINUSE/u)
      expect(stderr).not.toMatch(/\n\s+at /u)
    } finally {
      blocker.close()
    }
  })
})
