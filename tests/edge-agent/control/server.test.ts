import { mkdtempSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs'
import { spawn } from 'node:child_process'
import { createConnection, createServer, type Socket } from 'node:net'
import { tmpdir, userInfo } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { CommandName } from '../../../protocols/mqtt/index.ts'
import {
  ControlError, ControlServer, MAX_REQUEST_BYTES, MAX_SOCKET_PATH_BYTES, sendControlCommand, socketPathNear,
  type ControlHandler,
} from '../../../edge-agent/src/control/index.ts'

let dir: string
beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'ctl-')) })
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const quiet = { info: () => {}, warn: () => {} }
const cleanup: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn()
})

let n = 0
const freshPath = () => join(dir, `s${++n}.sock`)

/** A started server whose handler records calls and echoes them back as data. */
async function startServer(handler?: ControlHandler, path = freshPath()) {
  const calls: { command: string; args: unknown }[] = []
  const server = new ControlServer({
    path, logger: quiet,
    handler: handler ?? (async (command, args) => {
      calls.push({ command, args })
      return { ok: true, message: `did ${command}`, data: { command, args } }
    }),
  })
  await server.start()
  cleanup.push(() => server.stop())
  return { server, path, calls }
}

/** A socket file left by an agent killed with SIGKILL: it exists, nothing accepts on it. */
async function staleSocket(path: string): Promise<void> {
  const child = spawn(process.execPath, ['-e', `require('node:net').createServer().listen(${JSON.stringify(path)}, () => console.log('up'))`], { stdio: ['ignore', 'pipe', 'inherit'] })
  await new Promise<void>((resolve, reject) => {
    child.stdout.once('data', () => resolve())
    child.once('exit', (code) => reject(new Error(`listener exited ${code}`)))
  })
  const exited = new Promise((r) => child.once('exit', r))
  child.kill('SIGKILL')
  await exited
}

/** A raw connection: write bytes, read reply lines. */
function raw(path: string) {
  const socket = createConnection(path)
  cleanup.push(() => { socket.destroy() })
  let buffered = ''
  const lines: string[] = []
  const waiters: (() => void)[] = []
  socket.on('data', (chunk) => {
    buffered += chunk.toString('utf8')
    let nl: number
    while ((nl = buffered.indexOf('\n')) !== -1) {
      lines.push(buffered.slice(0, nl))
      buffered = buffered.slice(nl + 1)
    }
    for (const w of waiters.splice(0)) w()
  })
  const next = async (): Promise<Record<string, unknown>> => {
    while (lines.length === 0) await new Promise<void>((r) => waiters.push(r))
    return JSON.parse(lines.shift()!) as Record<string, unknown>
  }
  return { socket, write: (text: string | Buffer) => socket.write(text), next }
}

describe('ControlServer and sendControlCommand', () => {
  it('carries each command to the handler and its outcome back', async () => {
    const { path, calls } = await startServer()
    const cases = [
      ['ack-alarm', { device: 'ch4-1', channel: 'ch4', kind: 'level', by: 'alice' }],
      ['ack-alarm', { all: true, by: 'alice' }],
      ['reset-interlock', { interlock: 'fan-1', by: 'bob' }],
      ['bypass-interlock', { interlock: 'fan-1', reason: 'calibration with test gas', minutes: 30, by: 'bob' }],
      ['end-bypass', { interlock: 'fan-1' }],
      ['safety-status', {}],
    ] as const
    // the handler gets the args as sent, `by` with the caller's OS account beside it (this test process)
    const os = `[OS user ${userInfo().username} (uid ${userInfo().uid})]`
    for (const [command, args] of cases) {
      const reply = await sendControlCommand(path, command, args as never)
      const by = `${'by' in args ? args.by : 'local operator'} ${os}`
      expect(reply).toMatchObject({ v: 1, ok: true, message: `did ${command}`, data: { command, args: { ...args, by } } })
      expect(reply.id).toMatch(/^[0-9a-f-]{36}$/u)
    }
    expect(calls.map((c) => c.command)).toEqual(cases.map(([c]) => c))
  })

  it('passes an ok:false outcome and a throwing handler back as ok:false', async () => {
    let call = 0
    const { path } = await startServer(async () => {
      if (++call === 1) return { ok: false, message: 'interlock fan-1 is still tripped: ch4 2.1 %' }
      throw new Error('output write failed')
    })
    expect(await sendControlCommand(path, 'reset-interlock', { interlock: 'fan-1' })).toMatchObject({ ok: false, message: 'interlock fan-1 is still tripped: ch4 2.1 %' })
    expect(await sendControlCommand(path, 'reset-interlock', { interlock: 'fan-1' })).toMatchObject({ ok: false, message: 'output write failed' })
  })

  it('refuses invalid args without calling the handler', async () => {
    const { path, calls } = await startServer()
    const reply = await sendControlCommand(path, 'bypass-interlock', { interlock: 'fan-1', reason: 'x', minutes: 99999 })
    expect(reply.ok).toBe(false)
    expect(reply.message).toMatch(/^invalid arguments for bypass-interlock: args\.reason: .*args\.minutes: must be <= 10080/u)
    const unknown = await sendControlCommand(path, 'launch' as CommandName, {} as never)
    expect(unknown.message).toMatch(/^unknown command launch; one of ack-alarm, /u)
    expect(calls).toEqual([])
  })

  it('answers garbage, huge lines and bad envelopes, and keeps serving the connection', async () => {
    const { path, calls } = await startServer()
    const c = raw(path)
    c.write('not json\n')
    expect(await c.next()).toMatchObject({ v: 1, id: '-', ok: false, message: expect.stringMatching(/^invalid request: not JSON/u) })
    c.write(`${JSON.stringify({ v: 1, id: 'big', command: 'safety-status', args: { pad: 'x'.repeat(MAX_REQUEST_BYTES) } })}\n`)
    expect(await c.next()).toMatchObject({ id: '-', ok: false, message: expect.stringMatching(new RegExp(`line longer than ${MAX_REQUEST_BYTES} bytes`, 'u')) })
    c.write(Buffer.from([0xff, 0xfe, 0x00, 0x0a]))
    expect(await c.next()).toMatchObject({ ok: false })
    c.write('{"v":1,"id":"e1","command":"safety-status"}\n')
    expect(await c.next()).toMatchObject({ id: 'e1', ok: false, message: expect.stringContaining('missing key "args"') })
    // two requests in one chunk, then one split over three: answered in order
    c.write('{"v":1,"id":"a","command":"safety-status","args":{}}\n{"v":1,"id":"b","command":"end-bypass","args":{"interlock":"x"}}\n{"v":1,"id":"c",')
    c.write('"command":"safety-sta')
    c.write('tus","args":{}}\n')
    expect(await c.next()).toMatchObject({ id: 'a', ok: true })
    expect(await c.next()).toMatchObject({ id: 'b', ok: true })
    expect(await c.next()).toMatchObject({ id: 'c', ok: true })
    expect(calls.map((x) => x.command)).toEqual(['safety-status', 'end-bypass', 'safety-status'])
  })

  it('survives a half line then close, and answers a client that half-closes', async () => {
    const { path } = await startServer()
    const c = raw(path)
    c.write('{"v":1,"id":"half","comm')
    c.socket.end()
    await new Promise((r) => c.socket.once('close', r))
    // a client like `nc -U` writes its request and half-closes: it still gets the reply
    const replies = await new Promise<string>((resolve) => {
      const s = createConnection(path, () => s.end('{"v":1,"id":"z","command":"safety-status","args":{}}\n'))
      let text = ''
      s.on('data', (d) => { text += d.toString() })
      s.on('close', () => resolve(text))
    })
    expect(JSON.parse(replies)).toMatchObject({ id: 'z', ok: true })
    expect((await sendControlCommand(path, 'safety-status', {})).ok).toBe(true)
  })

  it('creates the socket file with mode 0600 and removes it on stop', async () => {
    const path = freshPath()
    const server = new ControlServer({ path, logger: quiet, handler: async () => ({ ok: true }) })
    expect(existsSync(path)).toBe(false) // the constructor only stores
    await server.start()
    expect(statSync(path).isSocket()).toBe(true)
    expect(statSync(path).mode & 0o777).toBe(0o600)
    await server.stop()
    expect(existsSync(path)).toBe(false)
  })

  it('replaces a stale socket file nobody answers on', async () => {
    const path = freshPath()
    await staleSocket(path)
    expect(statSync(path).isSocket()).toBe(true)
    const { calls } = await startServer(undefined, path)
    expect((await sendControlCommand(path, 'safety-status', {})).ok).toBe(true)
    expect(calls).toHaveLength(1)
  })

  it('fails with CONTROL_IN_USE when another agent listens, and leaves it serving', async () => {
    const { path } = await startServer()
    const second = new ControlServer({ path, logger: quiet, handler: async () => ({ ok: true }) })
    await expect(second.start()).rejects.toMatchObject({ code: 'CONTROL_IN_USE', message: expect.stringContaining(path) })
    expect((await sendControlCommand(path, 'safety-status', {})).message).toBe('did safety-status')
  })

  it('refuses to replace a file that is not a socket (CONTROL_PATH_TAKEN)', async () => {
    const path = freshPath()
    writeFileSync(path, 'keep me')
    const server = new ControlServer({ path, logger: quiet, handler: async () => ({ ok: true }) })
    await expect(server.start()).rejects.toMatchObject({ code: 'CONTROL_PATH_TAKEN' })
    expect(statSync(path).isFile()).toBe(true)
  })

  it('client: CONTROL_NO_AGENT when nothing listens (no file, or a stale one)', async () => {
    const missing = freshPath()
    const error = await sendControlCommand(missing, 'safety-status', {}).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ControlError)
    expect(error).toMatchObject({ code: 'CONTROL_NO_AGENT', path: missing, message: expect.stringContaining(missing) })

    const path = freshPath()
    await staleSocket(path)
    expect(statSync(path).isSocket()).toBe(true)
    await expect(sendControlCommand(path, 'safety-status', {})).rejects.toMatchObject({ code: 'CONTROL_NO_AGENT' })
  })

  it('client: CONTROL_TIMEOUT when the agent never answers, CONTROL_CLOSED when it hangs up', async () => {
    const path = freshPath()
    const sockets: Socket[] = []
    let hangUp = false
    const mute = createServer((s) => {
      sockets.push(s)
      if (hangUp) s.on('data', () => s.destroy())
    })
    await new Promise<void>((r) => mute.listen(path, r))
    cleanup.push(() => new Promise<void>((r) => {
      for (const s of sockets) s.destroy()
      mute.close(() => r())
    }))
    const started = Date.now()
    await expect(sendControlCommand(path, 'safety-status', {}, { timeoutMs: 200 })).rejects.toMatchObject({ code: 'CONTROL_TIMEOUT', message: expect.stringContaining('200 ms') })
    expect(Date.now() - started).toBeGreaterThanOrEqual(190)
    hangUp = true
    await expect(sendControlCommand(path, 'safety-status', {}, { timeoutMs: 2000 })).rejects.toMatchObject({ code: 'CONTROL_CLOSED' })
  })

  it('client: CONTROL_BAD_REPLY for a reply that is not a ControlReply', async () => {
    const path = freshPath()
    const liar = createServer((s) => s.on('data', () => s.write('{"v":1,"ok":"yes"}\n')))
    await new Promise<void>((r) => liar.listen(path, r))
    cleanup.push(() => new Promise<void>((r) => liar.close(() => r())))
    await expect(sendControlCommand(path, 'safety-status', {})).rejects.toMatchObject({ code: 'CONTROL_BAD_REPLY' })
  })
})

describe('socketPathNear', () => {
  it('puts control.sock next to the outbox file', () => {
    expect(socketPathNear('/var/lib/edge-agent/gw-1/outbox.sqlite')).toBe('/var/lib/edge-agent/gw-1/control.sock')
  })

  it('falls back to a short path under the temp dir for a long one, the same each time', () => {
    const long = `/srv/${'very-long-directory-name/'.repeat(6)}outbox.sqlite`
    const path = socketPathNear(long)
    expect(path.startsWith(tmpdir())).toBe(true)
    expect(path).toMatch(/edge-agent-[0-9a-f]{16}\.sock$/u)
    expect(Buffer.byteLength(path)).toBeLessThanOrEqual(MAX_SOCKET_PATH_BYTES)
    expect(socketPathNear(long)).toBe(path)
    expect(socketPathNear(long.replace('/srv/', '/srv2/'))).not.toBe(path)
  })

  it('serves on the fallback path', async () => {
    const long = join(dir, 'x'.repeat(120), 'outbox.sqlite')
    const path = socketPathNear(long)
    const { calls } = await startServer(undefined, path)
    expect((await sendControlCommand(path, 'safety-status', {})).ok).toBe(true)
    expect(calls).toHaveLength(1)
  })
})
