import { describe, expect, it } from 'vitest'
import { readFile, readdir } from 'node:fs/promises'
import { join, relative } from 'node:path'
import { pathToFileURL } from 'node:url'
import { WEB_ROOT } from './test-server.ts'

// The dashboard is plain browser JavaScript; load it by URL so TypeScript does not type-check it.
const load = (file: string): Promise<any> => import(pathToFileURL(join(WEB_ROOT, file)).href)

async function webFiles(dir = WEB_ROOT): Promise<string[]> {
  const out: string[] = []
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) out.push(...await webFiles(path))
    else out.push(path)
  }
  return out
}

describe('dashboard i18n', () => {
  it('has the same keys in Chinese and English, none empty', async () => {
    const { dictionaries } = await load('i18n/index.js')
    const zh = Object.keys(dictionaries.zh).sort()
    const en = Object.keys(dictionaries.en).sort()
    expect(zh.length).toBeGreaterThan(50)
    expect(en).toEqual(zh)
    for (const lang of ['zh', 'en']) {
      for (const [key, text] of Object.entries(dictionaries[lang] as Record<string, string>)) {
        expect(typeof text === 'string' && text.trim() !== '', `${lang}.${key}`).toBe(true)
      }
    }
  })

  it('uses the same placeholders in both languages', async () => {
    const { dictionaries } = await load('i18n/index.js')
    const names = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort()
    for (const key of Object.keys(dictionaries.zh)) expect(names(dictionaries.en[key]), key).toEqual(names(dictionaries.zh[key]))
  })

  it('knows every key the code asks for', async () => {
    const { dictionaries } = await load('i18n/index.js')
    const missing: string[] = []
    for (const file of (await webFiles()).filter((f) => f.endsWith('.js'))) {
      const source = await readFile(file, 'utf8')
      for (const m of source.matchAll(/\bt\('([\w.-]+)'/g)) if (!(m[1]! in dictionaries.zh)) missing.push(`${relative(WEB_ROOT, file)}: ${m[1]}`)
      for (const m of source.matchAll(/\btOr\('([\w-]+)'/g)) {
        if (!Object.keys(dictionaries.zh).some((k) => k.startsWith(`${m[1]}.`))) missing.push(`${relative(WEB_ROOT, file)}: ${m[1]}.*`)
      }
    }
    expect(missing).toEqual([])
  })

  it('names every site type, role, quality and regulatory system', async () => {
    const { dictionaries } = await load('i18n/index.js')
    const { SITE_TYPES, ROLES } = await import('../../../fleet-server/src/api/index.ts')
    const { QUALITIES } = await import('../../../protocols/quality.ts')
    const systems = ['monitoring', 'personnel-positioning', 'emergency-refuge', 'compressed-air-rescue', 'water-supply-rescue', 'communication',
      'tailings-monitoring', 'explosion-barrier', 'vapor-recovery', 'gnss-recorder', 'process-interlock', 'major-hazard-monitoring']
    const keys = [...SITE_TYPES.map((s) => `siteType.${s}`), ...ROLES.map((r) => `role.${r}`), ...QUALITIES.map((q) => `quality.${q}`), ...systems.map((s) => `system.${s}`)]
    for (const key of keys) expect(dictionaries.zh[key], key).toBeTruthy()
    expect(dictionaries.zh['siteType.coal-mine']).toBe('煤矿')
    expect(dictionaries.zh['siteType.hazmat-fleet']).toBe('危化品运输')
  })
})

describe('dashboard files', () => {
  it('index.html references only local files', async () => {
    const html = await readFile(join(WEB_ROOT, 'index.html'), 'utf8')
    expect(html).not.toMatch(/https?:\/\//i)
    const refs = [...html.matchAll(/\b(?:src|href)="([^"]*)"/g)].map((m) => m[1]!)
    expect(refs.length).toBeGreaterThan(0)
    for (const ref of refs) {
      expect(ref, ref).not.toMatch(/^\/\//)
      if (ref.startsWith('data:') || ref.startsWith('#')) continue
      await expect(readFile(join(WEB_ROOT, ref.split('?')[0]!)), ref).resolves.toBeDefined()
    }
  })

  it('imports only relative modules and loads nothing from elsewhere', async () => {
    for (const file of (await webFiles()).filter((f) => /\.(js|css|html)$/.test(f))) {
      const source = await readFile(file, 'utf8')
      for (const m of source.matchAll(/\bfrom\s+'([^']+)'|\bimport\(\s*'([^']+)'/g)) {
        expect(m[1] ?? m[2], relative(WEB_ROOT, file)).toMatch(/^\.\.?\//)
      }
      // the only absolute URL allowed is the SVG namespace name, which is never fetched
      const urls = [...source.matchAll(/https?:\/\/[^\s'"`)]+/g)].map((m) => m[0]).filter((u) => u !== 'http://www.w3.org/2000/svg')
      expect(urls, relative(WEB_ROOT, file)).toEqual([])
      expect(source, relative(WEB_ROOT, file)).not.toMatch(/@import|url\(\s*['"]?(?!data:)/)
    }
  })

  it('keeps each file small', async () => {
    for (const file of await webFiles()) {
      const lines = (await readFile(file, 'utf8')).split('\n').length
      expect(lines, relative(WEB_ROOT, file)).toBeLessThanOrEqual(400)
    }
  })
})

describe('trend chart geometry', () => {
  it('draws a band and an average line, broken at buckets without data', async () => {
    const { chartPaths } = await load('chart.js')
    const from = 0
    const to = 5 * 60_000
    const points = [0, 1, 2, 3, 4].map((i) => i === 2
      ? { ts: i * 60_000, min: null, max: null, avg: null, count: 0, bad: 3 }
      : { ts: i * 60_000, min: i, max: i + 1, avg: i + 0.5, count: 60, bad: 0 })
    const paths = chartPaths(points, from, to)
    expect(paths.min).toBe(0)
    expect(paths.max).toBe(5)
    expect(paths.line.match(/M/g)).toHaveLength(2)
    expect(paths.band.match(/Z/g)).toHaveLength(2)
    expect(paths.bad).toHaveLength(1)
    expect(chartPaths([{ ts: 0, min: null, max: null, avg: null, count: 0, bad: 0 }], from, to)).toBeNull()
  })
})
