import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { describeFailure, failureReport, nativeModuleFailure, RuntimeError, UsageError } from '../../../protocols/cli/index.ts'
import { ProductError } from '../../../protocols/errors.ts'
import { InvalidInputError } from '../../../protocols/validation/index.ts'

// A better-sqlite3 build missing for the running Node.js (npm ci under another Node, a copied
// checkout) must tell the user what is wrong and the command that fixes it: no stack trace.

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

describe('failureReport: what a program prints and exits with', () => {
  class Refused extends ProductError {
    readonly code = 'REFUSED'
  }

  it('an invalid input file: its located problems, unprefixed, exit 2', () => {
    const error = new InvalidInputError('CATALOG_INVALID', [
      { file: 'seeds/regulations.yaml', line: 3, column: 5, path: 'rules[0].periodYears', message: 'must be integer,null' },
      { file: 'seeds/regulations.yaml', line: 9, column: 1, path: '', message: 'duplicate key' },
    ])
    expect(failureReport('fleet-server', error, {})).toEqual({
      lines: ['seeds/regulations.yaml:3:5 rules[0].periodYears: must be integer,null', 'seeds/regulations.yaml:9:1 duplicate key'],
      exitCode: 2,
    })
  })

  it('a usage mistake: after the program name, exit 2', () => {
    expect(failureReport('edge-agent', new UsageError('--port must be a whole number from 0 to 65535, got "x"'), {}))
      .toEqual({ lines: ['edge-agent: --port must be a whole number from 0 to 65535, got "x"'], exitCode: 2 })
  })

  it('a refusal of the program: every line after the program name, exit 1, no hint of a stack', () => {
    expect(failureReport('edge-agent', new RuntimeError('device a could not be read: timeout\ndevice b could not be read: timeout'), {}))
      .toEqual({ lines: ['edge-agent: device a could not be read: timeout', 'edge-agent: device b could not be read: timeout'], exitCode: 1 })
    // any ProductError is a refusal said by its message alone, even with LOG_LEVEL=debug
    expect(failureReport('fleet-server', new Refused('the buffer is full'), { LOG_LEVEL: 'debug' }))
      .toEqual({ lines: ['fleet-server: the buffer is full'], exitCode: 1 })
  })

  it('anything else: unexpected, exit 1', () => {
    const report = failureReport('demo', new TypeError('x is not a function'), {})
    expect(report).toEqual({ lines: ['demo: unexpected error: x is not a function', 'demo: (LOG_LEVEL=debug shows where it happened)'], exitCode: 1 })
  })
})
