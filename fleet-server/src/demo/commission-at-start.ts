import { setTimeout as sleep } from 'node:timers/promises'
import type { Logger } from 'pino'
import { signRun, type Run } from '../../../protocols/commissioning/index.ts'
import { localDay } from '../../../protocols/calendar/index.ts'
import { AGENT_VERSION, commissionRun, isLocalCommandName, safetySpecs, type AgentCalls, type Installer, type Plan } from '../../../edge-agent/src/index.ts'
import type { RunningDemoSite } from './edge-site.ts'
import { unitsOf } from './gateway-config.ts'

/**
 * The demo's commissioning run, in the background once the site's gateway is online: the run of
 * `edge-agent commission --plan --yes`, with the agent called in process and the installer's test gas
 * put on and taken off the simulated sensor. One line when it starts, one with the result; a failure
 * is said, never thrown (the demo goes on).
 */

export interface BackgroundCommissioning {
  /** settles when the run ended, failed or was stopped */
  done: Promise<void>
  /** stop waiting or running (the demo stops), and wait for it to let go */
  stop(): Promise<void>
}

export interface CommissioningDeps {
  plan: Plan
  /** the gateway's signing key (PEM), registered with the server */
  signingKeyPem: string
  /** whether the server sees the site's gateway online */
  online(): boolean
  /** a line for whoever watches the demo */
  say(line: string): void
  logger: Logger
  /** how long to wait for the gateway to come online (default 60 s) */
  onlineWithinMs?: number
}

const ONLINE_POLL_MS = 500
const DEFAULT_ONLINE_WITHIN_MS = 60_000

/**
 * The run's agent side in process, as the control socket would pass it on: local commissioning
 * commands to the desk, the others to the safety service, each by the technician.
 */
function inProcessCalls(site: RunningDemoSite, technician: string): AgentCalls {
  const { agent } = site
  return {
    async call(command, args) {
      const issued = { by: technician, ...args }
      return isLocalCommandName(command) ? agent.commissioning.handle(command, issued) : agent.safety.handleCommand(command, issued)
    },
  }
}

/** The installer plays the demo's part: APPLY/REMOVE lines put the plan's test gas on the simulated sensor and take it off. */
function simulatedInstaller(site: RunningDemoSite, plan: Plan, logger: Logger): Installer {
  const units = unitsOf(site.site)
  const unitOf = (device: string) => units[site.site.gateway.devices.findIndex((d) => d.id === device)]
  return {
    say: (text) => logger.debug(text),
    status: () => undefined,
    act: async (text) => {
      logger.debug(`>>> ${text}`)
      const apply = /^APPLY .* to (\S+)$/u.exec(text)
      const remove = /^REMOVE .* from (\S+) now$/u.exec(text)
      if (apply) {
        const planned = plan.devices.find((d) => d.device === apply[1])
        const unit = unitOf(apply[1]!)
        if (planned?.gas?.channel === undefined || unit === undefined) throw new Error(`the demo cannot apply gas to ${apply[1]}`)
        site.simulator.applyGas(unit, planned.gas.channel, planned.gas.concentration)
      } else if (remove) {
        const unit = unitOf(remove[1]!)
        if (unit === undefined) throw new Error(`the demo cannot remove gas from ${remove[1]}`)
        site.simulator.removeGas(unit)
      }
    },
  }
}

const summary = (run: Run): string => run.devices.map((d) => {
  const gas = d.steps.find((s) => s.kind === 'gas')
  const t90 = gas?.kind === 'gas' && gas.t90S !== null && gas.t90S !== undefined ? ` (T90 ${gas.t90S} s)` : ''
  return `${d.device} ${d.result}${t90}`
}).join(', ')

/** Start the run in the background: it waits for the gateway to be online, then runs the plan. */
export function commissionInBackground(site: RunningDemoSite, deps: CommissioningDeps): BackgroundCommissioning {
  const abort = new AbortController()
  const { signal } = abort
  const { plan, logger } = deps
  const name = `${site.site.name} (${site.site.id})`
  const done = (async () => {
    const until = Date.now() + (deps.onlineWithinMs ?? DEFAULT_ONLINE_WITHIN_MS)
    while (!deps.online()) {
      if (Date.now() >= until) throw new Error(`gateway ${site.site.gateway.id} did not come online`)
      await sleep(ONLINE_POLL_MS, undefined, { signal })
    }
    const gas = plan.devices.find((d) => d.gas)
    deps.say(`commissioning ${name}: ${plan.technician.name} tests ${gas?.device ?? 'the devices'} with ${gas?.gas?.concentration} ${gas?.gas?.unit} test gas`
      + ` and checks ${plan.devices.filter((d) => !d.gas).map((d) => d.device).join(', ') || 'nothing else'} (in the background)`)
    const { config } = site.agent
    const { run, message } = await commissionRun(
      { config, specs: safetySpecs(config), plan, agentVersion: AGENT_VERSION, dayOf: (ts) => localDay(ts, config.gateway.timezone) },
      {
        agent: inProcessCalls(site, plan.technician.name),
        installer: simulatedInstaller(site, plan, logger),
        clock: Date.now,
        sleep: (ms) => sleep(ms, undefined, { signal }),
        sign: (r) => signRun(r, deps.signingKeyPem),
      },
    )
    deps.say(`commissioning ${name}: ${run.result.toUpperCase()} — ${summary(run)}; ${message}`)
  })().catch((error: unknown) => {
    if (signal.aborted) return
    deps.say(`commissioning ${name}: FAILED to run — ${(error instanceof Error ? error.message : String(error)).split('\n')[0]}`)
  })
  return {
    done,
    async stop() {
      abort.abort()
      await done
    },
  }
}
