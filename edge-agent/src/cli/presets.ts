import type { Command } from 'commander'
import { ALARM_PRESETS, levelsSummary, presetById, type AlarmPreset } from '../alarms/presets.ts'
import { UsageError } from '../../../protocols/cli/index.ts'

const pad = (text: string, width: number) => text + ' '.repeat(Math.max(0, width - [...text].length))

/** The levels with the required params at a placeholder, for the sources of presets that need site figures. */
function sampleLevels(preset: AlarmPreset) {
  const params = Object.fromEntries(preset.params.filter((p) => p.required).map((p) => [p.name, 1]))
  return preset.levels(params)
}

export function levelsText(preset: AlarmPreset): string {
  return preset.summary ?? levelsSummary(preset.levels({}))
}

/** `edge-agent presets list`: one line a preset. */
export function renderPresetList(presets: readonly AlarmPreset[] = ALARM_PRESETS): string {
  const idWidth = Math.max(...presets.map((p) => p.id.length))
  const unitWidth = Math.max(...presets.map((p) => p.unit.length))
  const levelWidth = Math.min(48, Math.max(...presets.map((p) => [...levelsText(p)].length)))
  const lines = [`${pad('id', idWidth)}  ${pad('unit', unitWidth)}  ${pad('levels', levelWidth)}  source`]
  for (const p of presets) lines.push(`${pad(p.id, idWidth)}  ${pad(p.unit, unitWidth)}  ${pad(levelsText(p), levelWidth)}  ${p.standard}`)
  lines.push(`${presets.length} presets; edge-agent presets show ID for the sources and params`)
  return lines.join('\n')
}

/** `edge-agent presets show ID`: the levels with their sources, and the params. */
export function renderPresetShow(preset: AlarmPreset): string {
  const lines = [
    `${preset.id} — ${preset.name.en} / ${preset.name.zh}`,
    `  unit: ${preset.unit}; standard: ${preset.standard}`,
  ]
  const required = preset.params.filter((p) => p.required)
  if (preset.params.length > 0) {
    lines.push('', 'params:')
    for (const p of preset.params) lines.push(`  ${pad(p.name, 10)} ${p.required ? 'required' : 'optional'}  ${p.description}${p.min !== undefined ? ` (at least ${p.min})` : ''}`)
  }
  lines.push('', required.length > 0 ? `levels (${preset.summary ?? ''}):` : 'levels:')
  const levels = required.length > 0 ? sampleLevels(preset) : preset.levels({})
  for (const l of levels) {
    const figure = required.length > 0 ? '' : ` ${l.direction === 'high' ? '≥' : '≤'}${l.value}${l.restore !== undefined && l.restore !== l.value ? `, restore ${l.direction === 'high' ? '<' : '>'}${l.restore}` : ''}`
    const delay = l.onDelayMs ? `, for ${l.onDelayMs / 1000} s` : ''
    lines.push(`  ${pad(l.level, 10)} ${l.direction}-going${figure}${delay}`, `             source: ${l.source}`)
  }
  lines.push('', `config: alarms: { CHANNEL: { preset: ${preset.id}${required.length > 0 ? `, params: { ${required.map((p) => `${p.name}: …`).join(', ')} }` : ''} } }`)
  return lines.join('\n')
}

export function findPreset(id: string): AlarmPreset {
  const preset = presetById(id)
  if (preset) return preset
  const near = ALARM_PRESETS.map((p) => p.id).filter((p) => p.includes(id) || id.includes(p))
  throw new UsageError(`no preset "${id}"${near.length > 0 ? `; did you mean ${near.join(', ')}?` : ''} (edge-agent presets list)`)
}

export function registerPresetCommands(program: Command): void {
  const presets = program.command('presets').description('alarm presets by sensor role, each level citing its standard')
  presets.command('list')
    .description('every preset: id, unit, levels and source')
    .option('--json', 'machine-readable output')
    .action((options: { json?: boolean }) => {
      if (options.json) {
        console.log(JSON.stringify(ALARM_PRESETS.map((p) => ({ id: p.id, name: p.name, unit: p.unit, params: p.params, levels: p.params.some((q) => q.required) ? undefined : p.levels({}) })), null, 2))
      } else {
        console.log(renderPresetList())
      }
    })
  presets.command('show')
    .argument('<id>', 'preset id')
    .description('the levels of one preset with their sources, and the params it asks for')
    .action((id: string) => console.log(renderPresetShow(findPreset(id))))
}
