import type { Command } from 'commander'
import { InvalidInputError, formatProblem } from '../../../protocols/validation/index.ts'
import { armedBudgets, armAtLabel, percent, rtuBusLoads, seconds, tripLatencies, worstSource, type BusArmedBudget, type ResolvedConfig } from '../config/index.ts'
import { framingLabel } from '../../../protocols/modbus/index.ts'
import { parseConfigFile } from '../config/load.ts'

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : word.endsWith('s') ? 'es' : 's'}`
const pad = (text: string, width: number) => text + ' '.repeat(Math.max(0, width - [...text].length))

const armedReads = (budget: BusArmedBudget) => budget.share === 0
  ? 'armed reading off'
  : `armed reads ≤ ${percent(budget.share)}, others ${budget.stretch > 1 ? `stretch ×${budget.stretch.toFixed(2)}` : 'keep their periods'}`

/**
 * What a valid config sets up: counts; per RTU bus the share of the wire its devices use, and per bus with an
 * interlock source that arms what armed reads leave the others; per interlock its worst-case trip latency.
 */
export function renderSummary(config: ResolvedConfig, warnings = 0): string {
  const rtu = config.buses.filter((b) => b.type === 'rtu').length
  const lines = [
    `${config.file}: valid${warnings > 0 ? `, ${plural(warnings, 'warning')}` : ''} — gateway ${config.gateway.id} at site ${config.gateway.site}${config.gateway.name ? ` (${config.gateway.name})` : ''}`,
    `  ${plural(config.buses.length, 'bus')} (${rtu} rtu, ${config.buses.length - rtu} tcp), ${plural(config.devices.length, 'device')}, ${plural(config.interlocks.length, 'interlock')}`,
  ]
  const profiles = config.devices.map((d) => d.loadedProfile)
  const loads = new Map(rtuBusLoads(config, profiles).map((l) => [l.busIndex, l]))
  const budgets = new Map(armedBudgets(config, profiles).map((b) => [b.busIndex, b]))
  const rows = config.buses.map((bus, i) => {
    const devices = config.devices.filter((d) => d.bus === bus.id).length
    const load = loads.get(i)
    const budget = budgets.get(i)
    return [
      bus.id,
      bus.type === 'rtu' ? `rtu ${bus.path} ${framingLabel(bus)}` : `tcp ${bus.host}:${bus.port}`,
      plural(devices, 'device'),
      [load && `wire load ${load.load.toFixed(2)} s/s, cycle at least ${Math.ceil(load.cycleMs)} ms`, budget && armedReads(budget)].filter(Boolean).join('; '),
    ]
  })
  const widths = [0, 1, 2].map((c) => Math.max(...rows.map((r) => [...r[c]!].length)))
  for (const row of rows) lines.push(`  bus ${row.map((cell, c) => (c < 3 ? pad(cell, widths[c]!) : cell)).join('  ')}`.trimEnd())
  for (const latency of tripLatencies(config, profiles)) {
    const worst = worstSource(latency)
    if (!worst) continue
    const armed = worst.armed ? `, ${seconds(worst.armed.worstMs)} armed from ${armAtLabel(worst.armed)}` : ''
    lines.push(`  interlock ${latency.interlock}: worst-case trip ${seconds(worst.suddenMs)} on a sudden rise (source ${worst.device}${worst.network ? ', network time not counted' : ''})${armed}`)
  }
  return lines.join('\n')
}

export function registerCheckCommand(program: Command): void {
  program.command('check')
    .description('validate a gateway config and the profiles it names; one line per problem, FILE:LINE:COL key.path: message (warnings: key.path: warning: message, exit 0)')
    .requiredOption('--config <file>', 'gateway config YAML')
    .action((options: { config: string }) => {
      const { config, problems, warnings = [] } = parseConfigFile(options.config)
      // warnings beside the errors: everything worth fixing in one go; alone they leave the exit code 0
      if (!config) throw new InvalidInputError('CONFIG_INVALID', [...problems, ...warnings])
      for (const warning of warnings) console.error(formatProblem(warning))
      console.log(renderSummary(config, warnings.length))
    })
}
