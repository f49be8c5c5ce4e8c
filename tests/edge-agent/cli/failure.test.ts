import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { describeFailure, nativeModuleFailure } from '../../../edge-agent/src/cli/failure.ts'
import { run } from '../../support/processes.ts'

// A better-sqlite3 build missing for the running Node.js (npm ci under another Node, a copied
// checkout) must tell the user what is wrong and the command that fixes it: no stack trace.

const repo = resolve('.')
const scratch = mkdtempSync(join(tmpdir(), 'native-failure-'))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

/** A real dlopen failure: a file that is no shared object, at the place a package keeps its build. */
function dlopenFailure(): Error {
  const addon = join(scratch, 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node')
  mkdirSync(join(addon, '..'), { recursive: true })
  writeFileSync(addon, 'not a shared object')
  try {
    process.dlopen({ exports: {} } as NodeJS.Module, addon)
  } catch (error) {
    return error as Error
  }
  throw new Error('dlopen of a text file succeeded')
}

describe('describeFailure', () => {
  it('names a native module that does not load, and the rebuild that fixes it', () => {
    const text = nativeModuleFailure(dlopenFailure())
    expect(text).toMatch(/^the native module better-sqlite3 is not built for this Node\.js \(v\d+\.\d+\.\d+, modules ABI \d+\)/u)
    expect(text).toContain(`fix: npm rebuild better-sqlite3 (in ${scratch})`)
  })

  it('reads the ABI a module was built for', () => {
    const error = Object.assign(new Error(`The module '/srv/app/node_modules/better-sqlite3/build/Release/better_sqlite3.node'\nwas compiled against a different Node.js version using\nNODE_MODULE_VERSION 137. This version of Node.js requires\nNODE_MODULE_VERSION 115.`), { code: 'ERR_DLOPEN_FAILED' })
    expect(nativeModuleFailure(error)).toMatch(/: its build is for modules ABI 137\nfix: npm rebuild better-sqlite3 \(in \/srv\/app\)/u)
  })

  it('gives a system error its own message and anything else no stack unless LOG_LEVEL asks', () => {
    const errno = Object.assign(new Error("EACCES: permission denied, open '/var/lib/outbox.sqlite'"), { code: 'EACCES', syscall: 'open' })
    expect(describeFailure(errno, {})).toMatch(/^EACCES: permission denied, open '\/var\/lib\/outbox\.sqlite'\n/u)
    const bug = new TypeError('x is not a function')
    expect(describeFailure(bug, {})).not.toMatch(/\n\s+at /u)
    expect(describeFailure(bug, { LOG_LEVEL: 'debug' })).toMatch(/\n\s+at /u)
  })
})

describe('the programs on a checkout whose better-sqlite3 has no build', () => {
  let tree: string

  beforeAll(() => {
    // the sources copied, every package linked but better-sqlite3, copied without its build
    tree = join(scratch, 'checkout')
    mkdirSync(join(tree, 'node_modules', 'better-sqlite3'), { recursive: true })
    for (const dir of ['protocols', 'hardware-profiles', 'fleet-server', 'seeds', 'examples']) cpSync(join(repo, dir), join(tree, dir), { recursive: true })
    for (const dir of ['bin', 'src']) cpSync(join(repo, 'edge-agent', dir), join(tree, 'edge-agent', dir), { recursive: true })
    cpSync(join(repo, 'package.json'), join(tree, 'package.json'))
    for (const name of readdirSync(join(repo, 'node_modules'))) {
      if (name !== 'better-sqlite3') symlinkSync(join(repo, 'node_modules', name), join(tree, 'node_modules', name))
    }
    for (const part of ['lib', 'package.json']) cpSync(join(repo, 'node_modules', 'better-sqlite3', part), join(tree, 'node_modules', 'better-sqlite3', part), { recursive: true })
  })

  const programs: [string, string[]][] = [
    ['edge-agent run', ['edge-agent/bin/edge-agent.js', 'run', '--config', 'examples/petrol-station.yaml']],
    ['fleet-server start', ['fleet-server/bin/fleet-server.js', 'start', '--port', '0', '--mqtt-port', '0', '--db', 'fleet.sqlite']],
    ['npm start (the demo)', ['--import', 'tsx', 'fleet-server/src/demo/main.ts', '--port', '0', '--mqtt-port', '0', '--data-dir', 'demo']],
  ]
  it.each(programs)('%s: what is wrong and `npm rebuild better-sqlite3`, exit 1, no stack trace', async (_name, args) => {
    const result = await run(process.execPath, args, { cwd: tree, timeoutMs: 60_000 })
    expect(result.code, result.stderr).toBe(1)
    expect(result.stderr).toMatch(/: the native module better-sqlite3 is not built for this Node\.js \(.*\): no build of it was found\n/u)
    expect(result.stderr).toContain(`fix: npm rebuild better-sqlite3 (in ${tree})`)
    expect(result.stderr).not.toMatch(/^\s+at /mu)
  }, 70_000)
})
