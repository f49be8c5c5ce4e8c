import { readFileSync } from 'node:fs'
import type { Command } from 'commander'
import { compileProfile, parseProfile, SYSTEM_IDS, type Profile } from '../../../hardware-profiles/index.ts'
import { framingLabel, readFrameBytes, transactionWireMs, isBitTable, type SerialFraming } from '../../../protocols/modbus/index.ts'
import { formatProblem } from '../../../protocols/validation/index.ts'
import { catalog, findProfile } from './profile-lookup.ts'
import { UsageError } from '../../../protocols/cli/index.ts'

const DEFAULT_FRAMING: SerialFraming = { baud: 9600, parity: 'none', dataBits: 8, stopBits: 1 }

export function framingOf(profile: Profile): SerialFraming {
  return profile.serial ?? DEFAULT_FRAMING
}

/** Least bus time one poll of every channel takes at the profile's serial settings. */
export function pollWireMs(profile: Profile, framing = framingOf(profile)): number {
  return compileProfile(profile).plan.blocks.reduce((sum, block) => {
    const { request, response } = readFrameBytes(block.count, isBitTable(block.table))
    return sum + transactionWireMs(framing, request, response)
  }, 0)
}

const pad = (text: string, width: number) => text + ' '.repeat(Math.max(0, width - [...text].length))

export function renderList(profiles: readonly Profile[]): string {
  const lines: string[] = []
  const idWidth = Math.max(...profiles.map((p) => p.id.length))
  for (const system of SYSTEM_IDS) {
    const members = profiles.filter((p) => p.systems.includes(system))
    if (members.length === 0) continue
    lines.push(`${system} (${members.length})`)
    for (const p of members) {
      const requests = compileProfile(p).plan.blocks.length
      lines.push(`  ${pad(p.id, idWidth)}  ${pad(p.version, 6)}  ${pad(p.transports.join('+'), 7)}  ${requests} req/poll  ${p.vendor} ${p.model} — ${p.name.en} / ${p.name.zh}`)
    }
  }
  lines.push(`${profiles.length} profiles`)
  return lines.join('\n')
}

type Channel = Profile['channels'][number]

/** Which input confirms an output (and whether it reads the opposite): what an installer wires an interlock's feedback to. */
function feedbackNote(c: Channel, channels: readonly Channel[]): string {
  if (c.feedbackOf !== undefined) {
    return c.invertedFeedback ? `feedback of ${c.feedbackOf}, inverted (true while ${c.feedbackOf} is false)` : `feedback of ${c.feedbackOf} (follows it)`
  }
  return channels.filter((f) => f.feedbackOf === c.id).map((f) => `confirmed by ${f.id}${f.invertedFeedback ? ' (inverted)' : ''}`).join(', ')
}

function describeChannel(c: Channel, channels: readonly Channel[]): string {
  const layout = c.type === 'bit' ? `bit ${c.bit}` : c.type === 'string' ? `string[${c.length}]` : c.order ? `${c.type} ${c.order}` : c.type
  const scaling = [c.scale !== undefined && `×${c.scale}`, c.offset !== undefined && `${c.offset >= 0 ? '+' : ''}${c.offset}`, c.decimalsFrom && `÷10^${c.decimalsFrom}`].filter(Boolean).join(' ')
  const range = c.range ? `${c.range.min}..${c.range.max}` : ''
  const alarms = (c.alarms ?? []).map((a) => `${a.level} ${a.direction === 'high' ? '≥' : '≤'}${a.value}`).join(', ')
  const notes = [alarms, feedbackNote(c, channels)].filter((note) => note !== '').join('; ')
  return `  ${pad(c.id, 18)} ${pad(`${c.table} ${c.address}`, 14)} ${pad(layout, 14)} ${pad(c.unit ?? '', 6)} ${pad(scaling, 12)} ${pad(range, 12)} ${c.writable ? 'rw ' : 'ro '} ${notes}`.trimEnd()
}

export function renderShow(profile: Profile): string {
  const compiled = compileProfile(profile)
  const framing = framingOf(profile)
  const id = profile.identification
  const lines = [
    `${profile.id} ${profile.version}`,
    `  ${profile.vendor} ${profile.model} — ${profile.name.en} / ${profile.name.zh}`,
    `  kind: ${profile.kind}; systems: ${profile.systems.join(', ')}; transports: ${profile.transports.join(', ')}`,
    profile.serial ? `  serial: ${framingLabel(framing)}` : '  serial: not specified (9600 8N1 assumed for timing)',
    id.deviceId ? `  identification: FC 43/14 vendor "${id.deviceId.vendorName}", product code "${id.deviceId.productCode}", revision ${id.deviceId.revision}` : null,
    id.signature ? `  identification: signature ${id.signature.table} ${id.signature.address} = ${id.signature.values.map((v) => `0x${v.toString(16).padStart(4, '0')}`).join(' ')}` : null,
    id.none ? `  identification: none (${id.reason ?? 'no reason given'}): the model at a unit id cannot be checked` : null,
    profile.calibration ? `  calibration: every ${profile.calibration.intervalDays} days (${profile.calibration.source})` : null,
    '',
    `channels (${profile.channels.length}):`,
    ...profile.channels.map((c) => describeChannel(c, profile.channels)),
    '',
    `read plan: ${compiled.plan.blocks.length} requests per poll, at least ${pollWireMs(profile).toFixed(1)} ms on the wire at ${framing.baud} baud`,
    ...compiled.plan.blocks.map((b) => `  ${pad(b.table, 8)} ${pad(`${b.address}..${b.address + b.count - 1}`, 12)} ${pad(`(${b.count})`, 6)} ${b.points.join(', ')}`),
    ...(compiled.plan.unreadable.length > 0 ? [`  unreadable: ${compiled.plan.unreadable.join(', ')}`] : []),
    '',
    `test vectors (${profile.vectors.length}): ${profile.vectors.map((v) => v.name).join('; ')}`,
  ]
  return lines.filter((line) => line !== null).join('\n')
}

export function registerProfileCommands(program: Command): void {
  const profiles = program.command('profiles').description('browse and check hardware profiles')
  profiles.command('list')
    .description('every profile in the library, grouped by regulatory system')
    .option('--json', 'machine-readable output')
    .action((options: { json?: boolean }) => {
      const all = catalog()
      if (options.json) {
        console.log(JSON.stringify(all.map((p) => ({ id: p.id, version: p.version, vendor: p.vendor, model: p.model, name: p.name, systems: p.systems, transports: p.transports, requestsPerPoll: compileProfile(p).plan.blocks.length })), null, 2))
      } else {
        console.log(renderList(all))
      }
    })
  profiles.command('show')
    .argument('<id>', 'profile id (or a profile file)')
    .description('channels, identification, alarm defaults and the read plan of one profile')
    .action((id: string) => console.log(renderShow(findProfile(id))))
  profiles.command('validate')
    .argument('<files...>', 'profile YAML files')
    .description('check profile files: schema, references, overlapping registers, test vectors')
    .action((files: string[]) => {
      let failed = 0
      for (const file of files) {
        let text: string
        try {
          text = readFileSync(file, 'utf8')
        } catch (error) {
          console.error(`${file}:1:1 cannot read: ${(error as NodeJS.ErrnoException).code ?? String(error)}`)
          failed++
          continue
        }
        const { profile, problems } = parseProfile(file, text)
        if (profile) {
          console.log(`${file}: ok — ${profile.id} ${profile.version}, ${profile.channels.length} channels, ${profile.vectors.length} test vectors pass, ${compileProfile(profile).plan.blocks.length} requests per poll`)
        } else {
          failed++
          for (const problem of problems) console.error(formatProblem(problem))
        }
      }
      if (failed > 0) throw new UsageError(`${failed} of ${files.length} profile file${files.length > 1 ? 's' : ''} invalid`)
    })
}
