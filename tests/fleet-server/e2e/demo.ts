import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, BrowserContextOptions, Page } from 'playwright-core'
import { defaultSeedFile, loadDemoFleet } from '../../../fleet-server/src/demo/seed.ts'
import { launchChromium } from '../../support/chromium.ts'
import { start, type ManagedProcess } from '../../support/processes.ts'

/** The demo exactly as `npm start` runs it, on free ports and a temporary data folder, and chromium to look at it. */
export interface DemoInBrowser {
  url: string
  browser: Browser
  fleet: ReturnType<typeof loadDemoFleet>
  /** page errors of every page signed in so far */
  pageErrors: string[]
  /** a new page signed in as a demo user, the fleet overview shown */
  signIn(name: string, options?: BrowserContextOptions): Promise<Page>
  stop(): Promise<void>
}

export async function startDemoInBrowser(tag: string): Promise<DemoInBrowser> {
  const fleet = loadDemoFleet(defaultSeedFile())
  const dataDir = mkdtempSync(join(tmpdir(), `${tag}-`))
  const demo: ManagedProcess = start(process.execPath, ['--import', 'tsx', 'fleet-server/src/demo/main.ts'], {
    name: 'npm start',
    env: { ...process.env, DEMO_PORT: '0', DEMO_MQTT_PORT: '0', DEMO_DATA_DIR: dataDir, DEMO_LEAK_PERIOD_S: '60', DEMO_LOG_LEVEL: 'warn' },
  })
  const url = (await demo.waitForLine(/^ {2}dashboard +(http:\/\/\S+)$/u, 60_000))[1]!.replace(/\/$/u, '')
  const browser = await launchChromium()
  mkdirSync('test-results', { recursive: true })
  const pageErrors: string[] = []
  const password = (name: string) => fleet.users.find((u) => u.name === name)!.password
  return {
    url, browser, fleet, pageErrors,
    async signIn(name, options = {}) {
      const context = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1280, height: 900 }, ...options })
      const page = await context.newPage()
      page.on('pageerror', (error) => pageErrors.push(String(error)))
      await page.goto(url)
      await page.getByTestId('login-form').waitFor()
      await page.getByLabel('用户名').fill(name)
      await page.getByLabel('密码').fill(password(name))
      await page.getByRole('button', { name: '登录' }).click()
      await page.getByTestId('site-row').first().waitFor({ timeout: 30_000 })
      return page
    },
    async stop() {
      await browser.close()
      await demo.stop('SIGINT')
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
}
