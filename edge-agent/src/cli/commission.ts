import { setTimeout as sleep } from 'node:timers/promises'
import { createInterface, type Interface } from 'node:readline/promises'
import type { Command } from 'commander'
import { signRun, type Run, type SignedRun } from '../../../protocols/commissioning/index.ts'
import { localDay } from '../../../protocols/calendar/index.ts'
import { RuntimeError, UsageError } from '../../../protocols/cli/index.ts'
import { AGENT_VERSION } from '../agent.ts'
import { loadConfigFile, safetySpecs, type ResolvedConfig } from '../config/index.ts'
import { ControlError, controlSocketPath, sendControlCommand } from '../control/index.ts'
import { commissionRun, type AgentCalls, type Installer } from '../commission/runner.ts'
import { loadPlan, type Plan } from '../commission/plan.ts'
import { askPlan } from '../commission/ask-plan.ts'
import { readSigningKey, signingKeyPath } from '../commission/signing-key.ts'
import { formatRuns } from '../commission/show.ts'
import { readRunsOf } from '../commission/stored-runs.ts'
import { operatorName } from './operator.ts'

interface CommissionOptions {
  config: string
  device: string[]
  system?: string
  plan?: string
  yes?: boolean
  show?: boolean
  json?: boolean
  by?: string
}

const CALL_TIMEOUT_MS = 15_000

/** The running agent over its control socket: commissioning watches the live engine, alarms and interlocks. */
function controlCalls(config: ResolvedConfig): AgentCalls {
  const path = controlSocketPath(config)
  return {
    async call(command, args) {
      try {
        return await sendControlCommand(path, command as never, args as never, { timeoutMs: CALL_TIMEOUT_MS })
      } catch (error) {
        if (error instanceof ControlError && error.code === 'CONTROL_NO_AGENT') {
          throw new RuntimeError(`the agent is not running (nothing answers on ${path}): commissioning watches the running agent, start it (edge-agent run --config ${config.file}, or its service) and commission again`)
        }
        throw error
      }
    },
  }
}

/** --yes: every action is announced as a line starting with ">>> " and taken as done at once (a test or the demo does it). */
function scriptedInstaller(): Installer {
  let lastStatus = 0
  return {
    say: (text) => process.stdout.write(`${text}\n`),
    status: (text) => {
      const now = Date.now()
      if (now - lastStatus < 5000) return
      lastStatus = now
      process.stdout.write(`    ${text}\n`)
    },
    act: async (text) => {
      process.stdout.write(`>>> ${text}\n`)
    },
  }
}

/** On a terminal: live readings overwrite one line, and each action waits for Enter. */
function terminalInstaller(rl: Interface): Installer {
  return {
    say: (text) => process.stdout.write(`\r\u001b[K${text}\n`),
    status: (text) => process.stdout.write(`\r\u001b[K    ${text}`),
    act: async (text) => {
      await rl.question(`\r\u001b[K▶ ${text} — press Enter when done `)
    },
  }
}

function selectedDevices(config: ResolvedConfig, options: CommissionOptions): string[] {
  const known = new Set(config.devices.map((d) => d.id))
  for (const id of options.device) if (!known.has(id)) throw new UsageError(`--device ${id}: not in ${config.file} (${[...known].join(', ')})`)
  const bySystem = options.system === undefined ? [] : config.devices.filter((d) => (d.system ?? d.loadedProfile.systems[0]) === options.system).map((d) => d.id)
  if (options.system !== undefined && bySystem.length === 0) throw new UsageError(`--system ${options.system}: no device of ${config.file} belongs to it`)
  return [...new Set([...options.device, ...bySystem])]
}

/** The plan's devices, narrowed to --device / --system when given. */
function narrowed(plan: Plan, selection: readonly string[]): Plan {
  if (selection.length === 0) return plan
  const devices = plan.devices.filter((d) => selection.includes(d.device))
  if (devices.length === 0) throw new UsageError(`the plan names none of ${selection.join(', ')}`)
  return { ...plan, devices }
}

async function commission(options: CommissionOptions): Promise<void> {
  const config = loadConfigFile(options.config)
  if (options.show) {
    const runs = readRunsOf(config)
    process.stdout.write(options.json ? `${JSON.stringify(runs)}\n` : `${formatRuns(runs, config.gateway.timezone ?? 'Asia/Shanghai').join('\n')}\n`)
    return
  }
  if (options.yes && options.plan === undefined) throw new UsageError('--yes runs a plan without questions: give --plan FILE')
  const selection = selectedDevices(config, options)
  const planned = options.plan !== undefined ? narrowed(loadPlan(options.plan, config), selection) : undefined
  const key = readSigningKey(signingKeyPath(config))
  const interactive = !options.yes
  if (interactive && !process.stdin.isTTY) throw new UsageError('commissioning asks the installer at each step: run it on a terminal, or give --plan FILE --yes')
  const rl = interactive ? createInterface({ input: process.stdin, output: process.stdout }) : undefined
  try {
    let plan = planned
    if (plan === undefined) {
      if (selection.length === 0) throw new UsageError('say what to commission: --device ID (repeatable), --system ID, or --plan FILE')
      plan = await askPlan(config, selection, { ask: (q) => rl!.question(q), technician: operatorName(options.by) })
    }
    const timeZone = config.gateway.timezone ?? 'Asia/Shanghai'
    const { run, message } = await commissionRun(
      { config, specs: safetySpecs(config), plan, agentVersion: AGENT_VERSION, dayOf: (ts) => localDay(ts, timeZone) },
      {
        agent: controlCalls(config),
        installer: rl ? terminalInstaller(rl) : scriptedInstaller(),
        clock: Date.now,
        sleep: (ms) => sleep(ms),
        sign: (r: Run): SignedRun => signRun(r, key.privateKeyPem),
      },
    )
    process.stdout.write(`${message}\n`)
    if (run.result !== 'passed') {
      const failed = run.devices.filter((d) => d.result === 'failed').map((d) => d.device)
      throw new RuntimeError(`the run FAILED (${failed.join(', ')}); it is recorded and sent with the reasons: edge-agent commission --config ${options.config} --show`)
    }
  } finally {
    rl?.close()
  }
}

export function registerCommissionCommand(program: Command): void {
  program.command('commission')
    .description('the commissioning run on site, with the running agent: identity, zero, test gas with T90 and every alarm level, interlock trip with feedback, calibration date, in a declared test mode; the signed record goes to the server through the outbox')
    .requiredOption('--config <file>', 'the gateway config the agent runs')
    .option('--device <id>', 'a device to commission (repeatable)', (value: string, previous: string[]) => [...previous, value], [] as string[])
    .option('--system <id>', 'every device of this system (e.g. monitoring)')
    .option('--plan <file>', 'the plan: technician, devices, test gas (YAML); interactively, what it leaves out is asked')
    .option('--yes', 'run the plan without asking: each action is printed as a line starting with ">>> " and taken as done')
    .option('--show', 'list the runs done at this gateway')
    .option('--json', 'with --show: the signed runs as JSON')
    .option('--by <name>', 'the technician, when no plan names one (default: the OS user)')
    .action(async (options: CommissionOptions) => commission(options))
}
