// The README's first command on the Node.js that runs this script: `npm start` comes up, every
// demo site's gateway reports, the API answers, and Ctrl-C (SIGINT to the process group) stops
// everything with exit 0. Free ports and a temporary data folder; plain Node, no dependencies.
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const TIMEOUT_MS = 90_000
const dataDir = mkdtempSync(join(tmpdir(), 'demo-check-'))
const demo = spawn('npm', ['start', '--', '--port', '0', '--mqtt-port', '0', '--data-dir', dataDir], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] })
let output = ''
demo.stdout.on('data', (chunk) => { output += chunk })
demo.stderr.on('data', (chunk) => { output += chunk })
const exited = new Promise((resolve) => demo.once('exit', (code, signal) => resolve({ code, signal })))

function fail(message) {
  console.error(`demo-check (${process.version}): ${message}\n--- npm start printed:\n${output}`)
  try { process.kill(-demo.pid, 'SIGKILL') } catch { /* gone */ }
  rmSync(dataDir, { recursive: true, force: true })
  process.exit(1)
}

async function until(what, read) {
  const end = Date.now() + TIMEOUT_MS
  for (;;) {
    const value = await read().catch(() => undefined)
    if (value !== undefined) return value
    if (Date.now() > end) fail(`${what}: not within ${TIMEOUT_MS / 1000} s`)
    await new Promise((resolve) => setTimeout(resolve, 500))
  }
}

const url = await until('the dashboard URL in the banner', async () => /^ {2}dashboard +(http:\/\/\S+?)\/?$/mu.exec(output)?.[1])
const seed = readFileSync(new URL('../seeds/demo-fleet.yaml', import.meta.url), 'utf8')
const password = /name: regulator, password: ([^,\s}]+)/u.exec(seed)?.[1] ?? 'regulator-demo'
const login = await fetch(`${url}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'regulator', password }) })
if (login.status !== 200) fail(`POST /api/login as regulator answered ${login.status}: ${await login.text()}`)
const { token } = await login.json()
const sites = await until('every site with its gateway online', async () => {
  const listed = await (await fetch(`${url}/api/sites`, { headers: { authorization: `Bearer ${token}` } })).json()
  return Array.isArray(listed) && listed.length > 0 && listed.every((site) => site.gateways.online >= 1) ? listed : undefined
})
const health = await (await fetch(`${url}/api/health`)).json()
if (health.ok !== true || health.mqtt?.connected !== true || !(health.ingest?.accepted > 0)) fail(`GET /api/health: ${JSON.stringify(health)}`)

process.kill(-demo.pid, 'SIGINT')
// npm itself dies of the SIGINT the terminal sends the whole group; the demo under it must exit 0
const exit = await Promise.race([exited, new Promise((resolve) => setTimeout(() => resolve('still running'), 20_000))])
if (exit === 'still running') fail('Ctrl-C: still running after 20 s')
if (!(exit.code === 0 || exit.signal === 'SIGINT')) fail(`Ctrl-C: npm exited ${JSON.stringify(exit)}`)
if (!output.includes('demo stopped')) fail('Ctrl-C: the demo did not say "demo stopped"')
await new Promise((resolve) => setTimeout(resolve, 500))
try {
  process.kill(-demo.pid, 0)
  fail('Ctrl-C: processes of the demo are still running')
} catch (error) {
  if (error.code !== 'ESRCH') throw error
}
if (await fetch(`${url}/api/health`).then(() => true, () => false)) fail(`Ctrl-C: ${url} still answers`)
rmSync(dataDir, { recursive: true, force: true })
console.log(`demo-check (${process.version}): npm start up at ${url}, ${sites.length} sites with their gateways online, health ok (${health.ingest.accepted} messages ingested); Ctrl-C → demo stopped, nothing left running`)
