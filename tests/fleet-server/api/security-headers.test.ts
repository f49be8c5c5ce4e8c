import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fixture, type Fixture } from './fixture.ts'

/**
 * Issue 15, hole 10: the dashboard and the API answered without a Content-Security-Policy,
 * X-Frame-Options, X-Content-Type-Options or Referrer-Policy. The dashboard is ES modules served
 * by the server itself (no CDN, no inline script), so its policy allows only its own origin.
 */
const WEB_ROOT = fileURLToPath(new URL('../../../fleet-server/web', import.meta.url))
let f: Fixture
beforeAll(async () => { f = await fixture({ webRoot: WEB_ROOT }) })
afterAll(() => f.close())

const directives = (csp: string | undefined) => new Map((csp ?? '').split(';').map((d) => d.trim()).filter(Boolean).map((d) => {
  const [name, ...values] = d.split(/\s+/u)
  return [name!, values] as const
}))

describe('security headers (issue 15, hole 10)', () => {
  it.each([
    ['the dashboard', '/'],
    ['a dashboard module', '/app.js'],
    ['an API answer', '/api/health'],
    ['an API error', '/api/sites'],
    ['an unknown path', '/nowhere'],
  ])('%s (%s) carries CSP, X-Frame-Options, nosniff and Referrer-Policy', async (_what, url) => {
    const reply = await f.app.inject({ method: 'GET', url })
    expect(reply.headers['x-frame-options']).toBe('DENY')
    expect(reply.headers['x-content-type-options']).toBe('nosniff')
    expect(reply.headers['referrer-policy']).toBe('same-origin')
    const csp = directives(reply.headers['content-security-policy'] as string | undefined)
    expect(csp.get('default-src')).toEqual(["'self'"])
    expect(csp.get('script-src')).toEqual(["'self'"])
    expect(csp.get('frame-ancestors')).toEqual(["'none'"])
    expect(csp.get('object-src')).toEqual(["'none'"])
    // over plain HTTP (the loopback demo) no upgrade and no HSTS: they would break the dashboard
    expect(csp.has('upgrade-insecure-requests')).toBe(false)
    expect(reply.headers['strict-transport-security']).toBeUndefined()
  })

  it('the dashboard page loads only what the policy allows: its own module script and stylesheet, no inline script', async () => {
    const html = (await f.app.inject({ method: 'GET', url: '/' })).body
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gu)]
    expect(scripts.length).toBeGreaterThan(0)
    for (const [, attributes, body] of scripts) {
      expect(attributes).toMatch(/\bsrc="[^":]+"/u)
      expect(body!.trim()).toBe('')
    }
    expect(html).not.toMatch(/\sstyle="|\son[a-z]+="/u)
  })

  it('/docs keeps working with its own policy (Swagger UI), still framed by nobody', async () => {
    const reply = await f.app.inject({ method: 'GET', url: '/docs' })
    expect(reply.statusCode).toBe(200)
    expect(reply.headers['x-frame-options']).toBe('DENY')
    const csp = directives(reply.headers['content-security-policy'] as string | undefined)
    expect(csp.get('default-src')).toEqual(["'self'"])
    expect(csp.get('script-src')).not.toContain("'unsafe-inline'")
    expect(csp.has('upgrade-insecure-requests')).toBe(false)
  })
})
