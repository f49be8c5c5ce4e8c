import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir, userInfo } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { enrollSecretHash, hashToken } from '../../../fleet-server/src/auth/tokens.ts'
import { verifySecret } from '../../../fleet-server/src/mqtt/secrets.ts'
import { openSqliteStore } from '../../../fleet-server/src/store/sqlite/index.ts'

const BIN = fileURLToPath(new URL('../../../fleet-server/bin/fleet-server.js', import.meta.url))
let dir: string
let db: string

function run(args: string[], input = ''): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['pipe', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString() })
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
    child.stdin.end(input)
  })
}

function withStore<T>(work: (store: ReturnType<typeof openSqliteStore>) => T): T {
  const store = openSqliteStore(db)
  try {
    return work(store)
  } finally {
    store.close()
  }
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'fleet-cli-'))
  // data/ does not exist yet: the CLI creates it
  db = join(dir, 'data', 'fleet.sqlite')
  writeFileSync(join(dir, 'pw'), 'file password 123\n')
  writeFileSync(join(dir, 'sites.csv'), 'enterprise_id,enterprise_name,site_id,site_name,site_type,jurisdiction\nent-a,甲,site-1,一号矿,coal-mine,涌山镇\n')
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('fleet-server user add', () => {
  it('adds a user of an imported enterprise with the password from stdin, stored as a scrypt hash', async () => {
    // users refer to the enterprises, sites and townships the import stored
    expect((await run(['import', '--sites', join(dir, 'sites.csv'), '--db', db])).code).toBe(0)
    const result = await run(['user', 'add', '--name', 'ent-a', '--role', 'enterprise', '--enterprise', 'ent-a', '--db', db], 'stdin password 1\n')
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    expect(result.stdout).toContain('user ent-a (enterprise) added')
    const user = withStore((store) => store.findUser('ent-a'))
    expect(user).toMatchObject({ name: 'ent-a', role: 'enterprise', enterpriseId: 'ent-a' })
    expect(await verifySecret('stdin password 1', user!.passwordHash)).toBe(true)
  })

  it('adds an installer of existing sites with --password-file', async () => {
    const result = await run(['user', 'add', '--name', 'inst', '--role', 'installer', '--site', 'site-1', '--password-file', join(dir, 'pw'), '--db', db])
    expect(result.code).toBe(0)
    const user = withStore((store) => store.findUser('inst'))
    expect(user?.siteIds).toEqual(['site-1'])
    expect(await verifySecret('file password 123', user!.passwordHash)).toBe(true)
  })

  it('adds regulators of a township that has sites and of the whole city', async () => {
    for (const [name, jurisdiction] of [['reg-ys', '涌山镇'], ['reg-city', '*']] as const) {
      const result = await run(['user', 'add', '--name', name, '--role', 'regulator', '--jurisdiction', jurisdiction, '--db', db], 'a good password\n')
      expect(result.stderr).toBe('')
      expect(result.code).toBe(0)
      expect(withStore((store) => store.findUser(name))?.jurisdiction).toBe(jurisdiction)
    }
  })

  it.each([
    [['--role', 'king'], /--role must be one of/u],
    [['--role', 'regulator'], /^fleet-server: a regulator needs --jurisdiction$/mu],
    [['--role', 'enterprise'], /^fleet-server: an enterprise needs --enterprise$/mu],
    [['--role', 'installer'], /^fleet-server: an installer needs --site$/mu],
    [['--role', 'regulator', '--jurisdiction', '涌山镇', '--site', 'site-1'], /--site does not apply to a regulator/u],
    [['--role', 'admin', '--enterprise', 'ent-a'], /^fleet-server: --enterprise does not apply to an admin$/mu],
    [['--role', 'installer', '--site', 'nowhere'], /--site nowhere: no such site/u],
    [['--role', 'enterprise', '--enterprise', 'NO-SUCH'], /^fleet-server: --enterprise NO-SUCH: no such enterprise \(known: ent-a\); import its sites first: fleet-server import --sites FILE$/mu],
    [['--role', 'regulator', '--jurisdiction', '不存在镇'], /^fleet-server: --jurisdiction 不存在镇: no site is in it and the regulation catalog does not name it \(known: 涌山镇; "\*" is the whole city\)$/mu],
    [['--role', 'admin', '--password-file', '/no/such/file'], /cannot read --password-file/u],
  ])('exits 2 on %j', async (args, message) => {
    const result = await run(['user', 'add', '--name', 'someone', ...args, '--db', db], 'a good password\n')
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(message)
    expect(result.stderr).not.toMatch(/\n\s+at /u)
  })

  it('exits 2 for a short password and for an existing user', async () => {
    expect((await run(['user', 'add', '--name', 'x', '--role', 'admin', '--db', db], 'short\n')).stderr).toMatch(/at least 8/u)
    const again = await run(['user', 'add', '--name', 'ent-a', '--role', 'enterprise', '--enterprise', 'ent-a', '--db', db], 'another password\n')
    expect(again.code).toBe(2)
    expect(again.stderr).toMatch(/already exists/u)
  })
})

describe('fleet-server enroll-token', () => {
  it('prints a one-time token stored hashed for the site', async () => {
    const result = await run(['enroll-token', '--site', 'site-1', '--hours', '2', '--db', db])
    expect(result.code).toBe(0)
    const token = result.stdout.trim()
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/u)
    expect(result.stderr).toMatch(/site-1.*not shown again/u)
    const shortCode = /short code ([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4})/u.exec(result.stderr)?.[1]
    expect(shortCode).toBeDefined()
    withStore((store) => {
      const stored = { tokenHash: hashToken(token), siteId: 'site-1' }
      expect(store.enrollToken(hashToken(token), Date.now() + 3_600_000)).toEqual(stored)
      expect(store.enrollToken(enrollSecretHash(shortCode!.toLowerCase()), Date.now() + 3_600_000)).toEqual(stored)
      expect(store.enrollToken(hashToken(token), Date.now() + 2 * 3_600_000 + 60_000)).toBeUndefined()
      const minted = store.audit.list({ role: 'admin' }).find((e) => e.action === 'enroll-token-mint')
      expect(minted).toMatchObject({ actor: `cli:${userInfo().username}`, siteId: 'site-1', subject: hashToken(token).slice(0, 8), detail: { replaces: null } })
      expect(Date.parse(String(minted!.detail.expiresAt))).toBeGreaterThan(Date.now() + 3_600_000)
      expect(JSON.stringify(minted)).not.toContain(token)
    })
  })

  it('exits 2 for an unknown site and bad hours', async () => {
    const unknown = await run(['enroll-token', '--site', 'nowhere', '--db', db])
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toMatch(/no such site/u)
    expect((await run(['enroll-token', '--site', 'site-1', '--hours', '0', '--db', db])).code).toBe(2)
    expect((await run(['enroll-token', '--db', db])).code).toBe(2)
  })
})

describe('fleet-server arguments', () => {
  it('exits 2 for an unknown command or option, 0 for --help', async () => {
    expect((await run(['import', '--sites', 'x.csv'])).code).toBe(2)
    expect((await run(['start', '--port', 'eighty'])).code).toBe(2)
    expect((await run(['start', '--bogus'])).code).toBe(2)
    const help = await run(['--help'])
    expect(help.code).toBe(0)
    expect(help.stdout).toMatch(/start[\s\S]*user[\s\S]*enroll-token/u)
  })
})
