import type { Command } from 'commander'
import type { Sample } from '../../../protocols/sample.ts'
import { loadConfigFile } from '../config/index.ts'
import { createLogger } from '../log.ts'
import { PollEngine, type PollEvent } from '../poll/engine.ts'
import { RuntimeError } from './usage-error.ts'

const STATUS_EVERY_MS = 60_000

async function runOnce(file: string): Promise<void> {
  const config = loadConfigFile(file)
  const lines: string[] = []
  const engine = new PollEngine(config, {
    samples: (samples: Sample[]) => {
      for (const sample of samples) lines.push(JSON.stringify(sample))
    },
    event: () => {},
  })
  const results = await engine.pollOnce()
  process.stdout.write(lines.length > 0 ? `${lines.join('\n')}\n` : '')
  const failed = results.filter((r) => r.unread)
  if (failed.length > 0) {
    throw new RuntimeError(failed.map((r) => `device ${r.device} could not be read: ${r.reason ?? r.outcome}`).join('\n'))
  }
}

function logEvent(log: ReturnType<typeof createLogger>, event: PollEvent): void {
  switch (event.type) {
    case 'device-state':
      if (event.to === 'online') log.info({ device: event.device, from: event.from }, `device ${event.device} online`)
      else log.warn({ device: event.device, from: event.from, reason: event.reason }, `device ${event.device} ${event.to}: ${event.reason ?? ''}`)
      break
    case 'device-identity':
      if (event.mismatch) log.error({ device: event.device, identity: event.identity }, `device ${event.device} is not the configured model: ${event.mismatch}`)
      else log.info({ device: event.device, identity: event.identity }, `device ${event.device} identified`)
      break
    case 'line-state':
      if (event.state === 'down') log.warn({ bus: event.bus, reason: event.reason }, `bus ${event.bus} down: ${event.reason ?? ''}`)
      else log.info({ bus: event.bus }, `bus ${event.bus} open again`)
      break
  }
}

async function runForever(file: string): Promise<void> {
  const config = loadConfigFile(file)
  const log = createLogger()
  const engine = new PollEngine(config, {
    samples: (samples) => log.trace({ samples }, 'samples'),
    event: (event) => logEvent(log, event),
  })
  log.info({ gateway: config.gateway.id, site: config.gateway.site, config: config.file, hash: config.hash, buses: config.buses.length, devices: config.devices.length }, 'edge agent polling')
  engine.start()
  const timer = setInterval(() => {
    for (const bus of engine.status()) {
      log.info({ bus: bus.id, open: bus.open, cycleMs: bus.cycleMs, budgetMs: bus.budgetMs, load: Number(bus.load.toFixed(3)), transactions: bus.transactions }, `bus ${bus.id} cycle ${bus.cycleMs ?? '-'} ms of ${bus.budgetMs ?? '-'} ms budget, load ${(bus.load * 100).toFixed(1)} %`)
    }
  }, STATUS_EVERY_MS)
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve)
    process.once('SIGTERM', resolve)
  })
  clearInterval(timer)
  log.info('stopping')
  await engine.stop()
}

export function registerRunCommand(program: Command): void {
  program.command('run')
    .description('run the agent: poll every device of the config; --once polls each once and prints the samples as JSON lines')
    .requiredOption('--config <file>', 'gateway config (YAML)')
    .option('--once', 'poll every device once, print one JSON line per sample, exit 0 (1 if a device could not be read)')
    .action(async (options: { config: string; once?: boolean }) => {
      if (options.once) await runOnce(options.config)
      else await runForever(options.config)
    })
}
