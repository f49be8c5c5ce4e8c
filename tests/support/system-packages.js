// The Debian packages the tests run as real components, and the functional check of each:
// a check runs what the tests run and looks for what it prints, so a package that is present
// but incomplete (a module it only recommends, a deleted binary) fails as if it were missing.
// Plain JavaScript without dependencies: .ci/run uses it before npm ci.
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'

/** @typedef {{ run: string[], expect: string, timeoutMs?: number }} Check */
/** @typedef {{ name: string, why: string, checks: Check[] }} SystemPackage */

/** @returns {SystemPackage[]} */
export function declaredPackages() {
  return JSON.parse(readFileSync(new URL('./system-packages.json', import.meta.url), 'utf8')).packages
}

/**
 * Runs one check. Passes when the command starts and prints (stdout or stderr) something matching
 * `expect`; exit codes are not looked at (`mosquitto -h` exits 3 after printing its version).
 * @param {Check} check
 * @param {NodeJS.ProcessEnv} [env]
 * @returns {{ ok: true } | { ok: false, why: string }}
 */
export function runCheck(check, env = process.env) {
  const [command, ...args] = check.run
  const result = spawnSync(command, args, { env, encoding: 'utf8', timeout: check.timeoutMs ?? 20_000, stdio: ['ignore', 'pipe', 'pipe'] })
  const shown = check.run.map((part) => (/[\s'"<>]/u.test(part) ? JSON.stringify(part) : part)).join(' ')
  if (result.error) return { ok: false, why: `${shown}: ${result.error.code === 'ENOENT' ? 'not found' : result.error.message}` }
  const output = `${result.stdout}${result.stderr}`
  if (new RegExp(check.expect, 'mu').test(output)) return { ok: true }
  const tail = output.trim().split('\n').slice(-3).join(' | ')
  return { ok: false, why: `${shown}: printed no /${check.expect}/ (exit ${result.status ?? result.signal}${tail ? `: ${tail}` : ''})` }
}

/**
 * The packages whose checks fail, each with the first failure.
 * @param {SystemPackage[]} packages
 * @param {NodeJS.ProcessEnv} [env]
 * @returns {{ name: string, why: string }[]}
 */
export function failingPackages(packages, env = process.env) {
  const failing = []
  for (const pkg of packages) {
    for (const check of pkg.checks) {
      const outcome = runCheck(check, env)
      if (!outcome.ok) {
        failing.push({ name: pkg.name, why: outcome.why })
        break
      }
    }
  }
  return failing
}
