#!/usr/bin/env node
// Makes sure the Debian packages the tests use as real components are present.
// Missing ones are installed when running as root with apt-get; otherwise we stop and name them.
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'

const { packages } = JSON.parse(readFileSync(new URL('./system-packages.json', import.meta.url), 'utf8'))
const missing = packages.filter((p) => !p.check.every((path) => existsSync(path))).map((p) => p.name)
if (missing.length === 0) process.exit(0)

const canInstall = process.getuid?.() === 0 && existsSync('/usr/bin/apt-get')
if (!canInstall) {
  console.error(`The tests need these Debian packages: ${missing.join(' ')}\nInstall them with: sudo apt-get install -y ${missing.join(' ')}`)
  process.exit(1)
}
console.error(`installing Debian packages for the tests: ${missing.join(' ')}`)
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
try {
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { stdio: 'inherit', env })
} catch {
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env })
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { stdio: 'inherit', env })
}
