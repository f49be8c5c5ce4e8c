/** Types of system-packages.js (plain JavaScript: .ci/run uses it before npm ci). */
export interface Check {
  /** the command and its arguments, as the tests run it */
  run: string[]
  /** a regular expression its output (stdout and stderr) must match */
  expect: string
  timeoutMs?: number
}
export interface SystemPackage {
  name: string
  why: string
  checks: Check[]
}
export function declaredPackages(): SystemPackage[]
export function runCheck(check: Check, env?: NodeJS.ProcessEnv): { ok: true } | { ok: false; why: string }
export function failingPackages(packages: SystemPackage[], env?: NodeJS.ProcessEnv): { name: string; why: string }[]
