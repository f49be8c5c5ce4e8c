import type { Command } from 'commander'
import type { Sample } from '../../../protocols/sample.ts'
import { formatProblem } from '../../../protocols/validation/index.ts'
import { loadConfigFile } from '../config/index.ts'
import { createLogger } from '../log.ts'
import { PollEngine } from '../poll/engine.ts'
import { RuntimeError, UsageError } from '../../../protocols/cli/index.ts'
import { Agent } from '../agent.ts'
import { bufferPathOf } from '../outbox/buffer-path.ts'
import { uplinkFromConfig } from '../uplink/from-config.ts'

const STATUS_EVERY_MS = 60_000

async function runOnce(file: string): Promise<void> {
  const config = loadConfigFile(file, {}, (warning) => console.error(formatProblem(warning)))
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

async function runForever(file: string): Promise<void> {
  const log = createLogger()
  const config = loadConfigFile(file, {}, (warning) => log.warn({ config: warning.file, key: warning.path }, formatProblem(warning)))
  const agent = new Agent(config, { logger: log, uplink: uplinkFromConfig() })
  const { engine } = agent
  log.info({ gateway: config.gateway.id, site: config.gateway.site, config: config.file, hash: config.hash, buses: config.buses.length, devices: config.devices.length, buffer: bufferPathOf(config), uplink: config.uplink?.url }, 'edge agent starting')
  // taken before the start, so that a stop asked for while the agent starts is a graceful one once it has
  const stopAsked = new Promise<void>((resolve) => {
    process.once('SIGINT', resolve)
    process.once('SIGTERM', resolve)
  })
  try {
    await agent.start()
  } catch (error) {
    if (error instanceof Error && 'code' in error && String((error as { code: unknown }).code).startsWith('CREDENTIALS')) throw new UsageError(error.message)
    throw error
  }
  const timer = setInterval(() => {
    for (const bus of engine.status()) {
      log.info({ bus: bus.id, open: bus.open, cycleMs: bus.cycleMs, budgetMs: bus.budgetMs, load: Number(bus.load.toFixed(3)), transactions: bus.transactions }, `bus ${bus.id} cycle ${bus.cycleMs ?? '-'} ms of ${bus.budgetMs ?? '-'} ms budget, load ${(bus.load * 100).toFixed(1)} %`)
    }
  }, STATUS_EVERY_MS)
  await stopAsked
  clearInterval(timer)
  log.info('stopping')
  await agent.stop()
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
