import { existsSync, readFileSync } from 'node:fs'
import semver from 'semver'
import { describe, expect, it } from 'vitest'

// package.json's engines is a promise to whoever installs this on a gateway: the Node.js running
// the suite keeps it, and every package npm ci installed accepts the oldest release of each line
// we support (an EBADENGINE warning at install is a dependency that does not serve both).

const manifest = JSON.parse(readFileSync('package.json', 'utf8')) as { engines: { node: string } }
const lock = JSON.parse(readFileSync('package-lock.json', 'utf8')) as { packages: Record<string, { engines?: { node?: string } | string[]; optional?: boolean }> }
const supported = manifest.engines.node.split('||').map((line) => semver.minVersion(line)!.version)

describe('the supported Node.js releases', () => {
  it('include the one running the suite', () => {
    expect(semver.satisfies(process.version, manifest.engines.node), `${process.version} vs ${manifest.engines.node}`).toBe(true)
  })

  it('are 20.19, 22.12 and 24: the machines have 20, the suite runs on 24 LTS', () => {
    expect(supported).toEqual(['20.19.0', '22.12.0', '24.0.0'])
  })

  it('are accepted by every installed package', () => {
    const refusing: string[] = []
    let checked = 0
    for (const [path, entry] of Object.entries(lock.packages)) {
      const range = Array.isArray(entry.engines) ? undefined : entry.engines?.node
      if (path === '' || range === undefined || !existsSync(path)) continue
      checked++
      for (const version of supported) if (!semver.satisfies(version, range)) refusing.push(`${path.replace(/^node_modules\//u, '')} (node ${range}) refuses ${version}`)
    }
    expect(checked).toBeGreaterThan(20)
    expect(refusing).toEqual([])
  })
})
