/** Unit: the UUCP lock-file convention as pure rules (names, content, verdicts, the holder's command line). */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  SerialPortLockedError, commandLineOf, judgeLock, lockFileContent, lockFileName, lockHolderPid,
} from '../../../edge-agent/src/modbus/port-lock-rules.ts'
import { ProductError } from '../../../protocols/errors.ts'

describe('lock file name and content', () => {
  it('names the lock after the basename of the device', () => {
    expect(lockFileName('/dev/ttyUSB0')).toBe('LCK..ttyUSB0')
    expect(lockFileName('/dev/pts/7')).toBe('LCK..7')
  })

  it('writes the PID as ten characters and a newline, as minicom and picocom do, and reads it back', () => {
    expect(lockFileContent(4121)).toBe('      4121\n')
    fc.assert(fc.property(fc.integer({ min: 1, max: 4_194_304 }), (pid) => {
      expect(lockFileContent(pid)).toHaveLength(11)
      expect(lockHolderPid(lockFileContent(pid))).toBe(pid)
    }))
  })

  it('reads a PID written without padding; nothing else is one', () => {
    expect(lockHolderPid('4121\n')).toBe(4121)
    expect(lockHolderPid('4121')).toBe(4121)
    for (const content of ['', '\n', '         0\n', '-5\n', 'abc\n', '12 34\n', '\x19\x10\x00\x00']) expect(lockHolderPid(content)).toBeUndefined()
  })
})

describe('judgeLock', () => {
  const alive = new Set([4121])
  const isAlive = (pid: number) => alive.has(pid)

  it('a live holder holds; a gone one is stale; our own PID is ours; no PID is left alone', () => {
    expect(judgeLock(lockFileContent(4121), 777, isAlive)).toEqual({ kind: 'held', pid: 4121 })
    expect(judgeLock(lockFileContent(5000), 777, isAlive)).toEqual({ kind: 'stale', pid: 5000 })
    expect(judgeLock(lockFileContent(777), 777, isAlive)).toEqual({ kind: 'ours' })
    expect(judgeLock('garbage', 777, isAlive)).toEqual({ kind: 'unreadable' })
  })
})

describe('commandLineOf', () => {
  const cmdline = (...argv: string[]) => `${argv.join('\0')}\0`

  it('argv joined with spaces', () => {
    expect(commandLineOf(cmdline('picocom', '-b', '9600', '/dev/ttyUSB0'))).toBe('picocom -b 9600 /dev/ttyUSB0')
    expect(commandLineOf(cmdline('/usr/bin/python3', 'rtu_server.py', '--port', '/dev/pts/3'))).toBe('/usr/bin/python3 rtu_server.py --port /dev/pts/3')
  })

  it('the agent, however node runs it, is edge-agent with its arguments', () => {
    const run = ['run', '--config', '/etc/edge-agent/gateway.yaml']
    expect(commandLineOf(cmdline('/opt/node/bin/node', '/opt/edge-agent/edge-agent/bin/edge-agent.js', ...run))).toBe('edge-agent run --config /etc/edge-agent/gateway.yaml')
    expect(commandLineOf(cmdline('node', '--import', 'tsx', '--enable-source-maps', '/work/main/edge-agent/src/cli/main.ts', ...run))).toBe('edge-agent run --config /etc/edge-agent/gateway.yaml')
    expect(commandLineOf(cmdline('/opt/node/bin/node', '/usr/local/bin/edge-agent', 'scan', '--rtu', '/dev/ttyUSB0'))).toBe('edge-agent scan --rtu /dev/ttyUSB0')
    expect(commandLineOf(cmdline('node', '/srv/other/app.js', 'serve'))).toBe('node /srv/other/app.js serve')
  })

  it('an empty command line (a kernel thread, a zombie) is none', () => {
    expect(commandLineOf('')).toBeUndefined()
    expect(commandLineOf('\0')).toBeUndefined()
  })
})

describe('SerialPortLockedError', () => {
  it('says which process holds the line and how to stop the agent', () => {
    const error = new SerialPortLockedError('/dev/ttyUSB0', { pid: 4121, command: 'edge-agent run --config /etc/edge-agent/gateway.yaml' })
    expect(error).toBeInstanceOf(ProductError)
    expect(error.code).toBe('PORT_LOCKED')
    expect(error.message).toBe('/dev/ttyUSB0 is in use by process 4121 (edge-agent run --config /etc/edge-agent/gateway.yaml); stop it first (systemctl stop edge-agent)')
    expect(new SerialPortLockedError('/dev/ttyS1', { pid: 88, command: 'minicom -D /dev/ttyS1' }).message).toBe('/dev/ttyS1 is in use by process 88 (minicom -D /dev/ttyS1); stop it first')
    expect(new SerialPortLockedError('/dev/ttyS1', { pid: 88, command: undefined }).message).toBe('/dev/ttyS1 is in use by process 88; stop it first')
  })
})
