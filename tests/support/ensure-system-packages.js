#!/usr/bin/env node
// Makes sure the Debian packages the tests use as real components are present and work.
// A package whose check fails is installed (or reinstalled) when running as root with apt-get,
// then checked again; otherwise we stop and name the packages and what failed.
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { declaredPackages, failingPackages } from './system-packages.js'

const packages = declaredPackages()
const failing = failingPackages(packages)
if (failing.length === 0) process.exit(0)

const names = failing.map((f) => f.name)
const report = (list) => list.map((f) => `  ${f.name}: ${f.why}`).join('\n')
const canInstall = process.getuid?.() === 0 && existsSync('/usr/bin/apt-get')
if (!canInstall) {
  console.error(`The tests need these Debian packages, missing or not working:\n${report(failing)}\nInstall them with: sudo apt-get install -y --reinstall ${names.join(' ')}`)
  process.exit(1)
}

console.error(`installing Debian packages for the tests:\n${report(failing)}`)
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
const install = () => execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', '--reinstall', ...names], { stdio: 'inherit', env })
try {
  install()
} catch {
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env })
  install()
}

const still = failingPackages(packages)
if (still.length > 0) {
  console.error(`installed, but these packages still fail their checks:\n${report(still)}`)
  process.exit(1)
}
