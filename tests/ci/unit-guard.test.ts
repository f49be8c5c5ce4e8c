import { execFile, spawn } from 'node:child_process'
import { createSocket } from 'node:dgram'
import { createServer as createHttpServer } from 'node:http'
import { connect, createServer } from 'node:net'
import { describe, expect, it } from 'vitest'
import { UNIT_GUARD_MESSAGE } from '../support/unit-guard.ts'

// The unit project's promise, enforced: a test that starts a process or opens a socket fails,
// saying where it belongs. (This file is a unit test: the project's setup file installed the guard;
// the import above installs it too, should the file run on its own.)

const refused = (what: string) => new RegExp(`^${UNIT_GUARD_MESSAGE} \\(it called ${what.replaceAll('.', '\\.')}\\)$`, 'u')

describe('a unit test', () => {
  it('starts no process, whichever function it calls', () => {
    expect(() => spawn(process.execPath, ['--version'])).toThrow(refused('child_process.spawn'))
    expect(() => execFile(process.execPath, ['--version'])).toThrow(refused('child_process.execFile'))
  })

  it('opens no socket: no server, no connection, no datagram', () => {
    expect(() => createServer()).toThrow(refused('net.createServer'))
    expect(() => createHttpServer().listen(0)).toThrow(refused('net.Server#listen'))
    expect(() => connect(1883, '127.0.0.1')).toThrow(refused('net.connect'))
    expect(() => createSocket('udp4')).toThrow(refused('dgram.createSocket'))
  })

  it('reaches no server through a client library either', async () => {
    await expect(fetch('http://127.0.0.1:1883/')).rejects.toMatchObject({ cause: { message: expect.stringContaining(UNIT_GUARD_MESSAGE) } })
    const mqtt = await import('mqtt')
    expect(() => mqtt.connect('mqtt://127.0.0.1:1883', { reconnectPeriod: 0 })).toThrow(UNIT_GUARD_MESSAGE)
  })
})
