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

describe('fleet-server start', () => {
  it('prints where it listens, serves the API and exits 0 on SIGINT', async () => {
    const [port, mqttPort] = [await freePort(), await freePort()]
    const child = spawn(process.execPath, [BIN, 'start', '--port', String(port), '--mqtt-port', String(mqttPort), '--db', join(dir, 'fleet.sqlite')], {
      stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LOG_LEVEL: 'warn' },
    })
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
      expect(line).toBe(`fleet server listening on http://127.0.0.1:${port} (mqtt mqtt://127.0.0.1:${mqttPort})`)
      expect((await fetch(`http://127.0.0.1:${port}/api/health`)).status).toBe(200)
    } finally {
      child.kill('SIGINT')
    }
    expect(await exited).toBe(0)
    expect(stderr).not.toMatch(/error/iu)
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
