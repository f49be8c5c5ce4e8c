/**
 * The unit project's setup file: a unit test starts no process and opens no socket. Every way to do
 * either throws here, in the test that tries — so a test that needs a real component fails at once
 * with where it belongs, instead of making the unit suite slow and dependent on the machine.
 * (Worker threads, files and in-memory SQLite stay allowed.)
 */
import childProcess from 'node:child_process'
import dgram from 'node:dgram'
import { syncBuiltinESMExports } from 'node:module'
import net from 'node:net'

export const UNIT_GUARD_MESSAGE = 'unit tests may not start processes or open sockets: move this test to the integration project'

function refuse(what: string): never {
  throw new Error(`${UNIT_GUARD_MESSAGE} (it called ${what})`)
}

for (const name of ['spawn', 'spawnSync', 'exec', 'execSync', 'execFile', 'execFileSync', 'fork'] as const) {
  ;(childProcess as Record<string, unknown>)[name] = () => refuse(`child_process.${name}`)
}
for (const name of ['connect', 'createConnection', 'createServer'] as const) {
  ;(net as Record<string, unknown>)[name] = () => refuse(`net.${name}`)
}
// what http, https, tls and every client library reach in the end, whichever function they called first
net.Socket.prototype.connect = function connect(): never {
  return refuse('net.Socket#connect')
}
net.Server.prototype.listen = function listen(): never {
  return refuse('net.Server#listen')
}
dgram.createSocket = () => refuse('dgram.createSocket')
// `import { spawn } from 'node:child_process'` reads the ESM view of the built-in: bring it in line
syncBuiltinESMExports()
