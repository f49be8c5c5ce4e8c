import { userInfo } from 'node:os'
import type { Command } from 'commander'
import {
  ALARM_KINDS, MAX_BYPASS_MINUTES,
  type AckAlarmArgs, type AlarmKind, type BypassInterlockArgs, type CommandName, type EndBypassArgs, type ResetInterlockArgs,
} from '../../../protocols/mqtt/index.ts'
import { loadConfigFile } from '../config/index.ts'
import { ControlError, controlSocketPath, sendControlCommand, type CommandArgs, type ControlReply } from '../control/index.ts'
import type { PeriodicTestStatus } from '../periodic/notices.ts'
import type { ActiveAlarmStatus, ArmedSourceStatus, InterlockStatus, SafetyStatus } from '../safety/status.ts'
import { parseInteger, RuntimeError, UsageError } from '../../../protocols/cli/index.ts'

/**
 * The operator's commands at the gateway — `ack`, `reset`, `bypass`, `alarms` — sent to the running
 * agent over its local control socket (no uplink needed). Argument checking and output formatting
 * are pure functions below, the I/O is in `send`.
 */

const MAX_NAME = 128

/** Who the event log names: --by, else the OS account running the command. */
export function operatorName(by: string | undefined): string {
  if (by !== undefined) {
    const name = by.trim()
    if (name.length === 0 || name.length > MAX_NAME) throw new UsageError(`--by must be 1 to ${MAX_NAME} characters, got "${by}"`)
    return name
  }
  try {
    return userInfo().username || 'local operator'
  } catch {
    return process.env.USER ?? 'local operator'
  }
}

function checkName(value: string | undefined, option: string): string | undefined {
  if (value === undefined) return undefined
  const name = value.trim()
  if (name.length === 0 || name.length > MAX_NAME) throw new UsageError(`${option} must be 1 to ${MAX_NAME} characters, got "${value}"`)
  return name
}

export interface AckOptions { device?: string; channel?: string; kind?: string; all?: boolean; by?: string }

export function ackArgs(options: AckOptions): AckAlarmArgs {
  const by = operatorName(options.by)
  if (options.all) {
    if (options.device !== undefined || options.channel !== undefined || options.kind !== undefined) {
      throw new UsageError('--all acknowledges every alarm of the gateway; do not combine it with --device, --channel or --kind')
    }
    return { all: true, by }
  }
  const device = checkName(options.device, '--device')
  const channel = checkName(options.channel, '--channel')
  if (device === undefined && channel === undefined) throw new UsageError('say which alarms: --device ID --channel ID [--kind KIND], or --all')
  if (device === undefined) throw new UsageError('--channel needs --device (the device the channel belongs to)')
  if (channel === undefined) throw new UsageError('--device needs --channel (acknowledge every alarm with --all)')
  if (options.kind !== undefined && !(ALARM_KINDS as readonly string[]).includes(options.kind)) {
    throw new UsageError(`--kind must be one of ${ALARM_KINDS.join(', ')}, got "${options.kind}"`)
  }
  return { device, channel, ...(options.kind !== undefined && { kind: options.kind as AlarmKind }), by }
}

export function resetArgs(options: { interlock: string; by?: string }): ResetInterlockArgs {
  return { interlock: checkName(options.interlock, '--interlock')!, by: operatorName(options.by) }
}

export interface BypassOptions { interlock: string; reason?: string; minutes?: string; end?: boolean; by?: string }

export type BypassRequest =
  | { command: 'bypass-interlock'; args: BypassInterlockArgs }
  | { command: 'end-bypass'; args: EndBypassArgs }

export function bypassRequest(options: BypassOptions): BypassRequest {
  const interlock = checkName(options.interlock, '--interlock')!
  if (options.end) {
    if (options.reason !== undefined || options.minutes !== undefined) throw new UsageError('--end ends the bypass now; do not combine it with --reason or --minutes')
    return { command: 'end-bypass', args: { interlock, by: operatorName(options.by) } }
  }
  if (options.reason === undefined || options.minutes === undefined) {
    throw new UsageError('a bypass needs --reason TEXT and --minutes N (or --end to end one)')
  }
  const reason = options.reason.trim()
  if (reason.length < 3 || reason.length > 500) throw new UsageError(`--reason must be 3 to 500 characters (it goes into the event log), got ${reason.length}`)
  const minutes = parseInteger(options.minutes, '--minutes', 1, MAX_BYPASS_MINUTES)
  return { command: 'bypass-interlock', args: { interlock, reason, minutes, by: operatorName(options.by) } }
}

// ------------------------------------------------------------------ alarms: formatting

const two = (n: number) => String(n).padStart(2, '0')

/** Epoch ms → `YYYY-MM-DD HH:MM:SS` in the gateway's local time zone. */
export function localTime(ms: number): string {
  const d = new Date(ms)
  if (Number.isNaN(d.getTime())) return '-'
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`
}

const width = (text: string) => [...text].length
const pad = (text: string, w: number) => text + ' '.repeat(Math.max(0, w - width(text)))

/** Rows under a header, columns padded to their widest cell; the last column is not padded. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const all = [header, ...rows]
  const widths = header.map((_, c) => Math.max(...all.map((row) => width(row[c] ?? ''))))
  return all.map((row) => `  ${row.map((cell, c) => (c === row.length - 1 ? cell : pad(cell, widths[c]!))).join('  ')}`.trimEnd())
}

function valueText(alarm: ActiveAlarmStatus): string {
  if (alarm.value === undefined || alarm.value === null) return '-'
  return alarm.unit ? `${String(alarm.value)} ${alarm.unit}` : String(alarm.value)
}

function alarmState(alarm: ActiveAlarmStatus): string {
  return [alarm.acknowledged ? 'acknowledged' : 'unacknowledged', ...(alarm.latched ? ['latched'] : [])].join(', ')
}

function bypassText(bypass: InterlockStatus['bypass'], time: (ms: number) => string): string {
  if (!bypass) return '-'
  return `until ${time(bypass.until)}${bypass.by ? ` by ${bypass.by}` : ''}: ${bypass.reason}`
}

const testName = (t: PeriodicTestStatus) => (t.test === 'interlock' ? `interlock ${t.interlock ?? ''}`.trimEnd() : t.test)
const daysText = (n: number) => `${n} ${n === 1 ? 'day' : 'days'}`
const dueText = (t: PeriodicTestStatus) => t.daysLeft === undefined ? 'overdue, never done'
  : t.state === 'overdue' ? `overdue by ${daysText(-t.daysLeft)}` : t.daysLeft === 0 ? 'due today' : `due in ${daysText(t.daysLeft)}`

/** Calibrations and recurring tests due soon or overdue, most overdue first (never done first of all). */
function testsDueLines(tests: readonly PeriodicTestStatus[]): string[] {
  const due = tests.filter((t) => t.state !== 'ok').sort((a, b) => (a.daysLeft ?? -Infinity) - (b.daysLeft ?? -Infinity))
  if (due.length === 0) return [`tests due: none (${tests.length} ok)`]
  const overdue = due.filter((t) => t.state === 'overdue').length
  return [
    `tests due: ${due.length} of ${tests.length} (${overdue} overdue)`,
    ...table(['DEVICE', 'TEST', 'DUE ON', 'LAST PASSED', 'STATE', 'EVERY'], due.map((t) => [
      t.device, testName(t), t.dueOn ?? '-', t.lastOn ?? '-', dueText(t), daysText(t.periodDays),
    ])),
  ]
}

/** Interlock sources near their trip, read as fast as their line allows: the longest armed first. */
function armedLines(armed: readonly ArmedSourceStatus[], time: (ms: number) => string): string[] {
  const unit = (a: ArmedSourceStatus) => (a.unit ? ` ${a.unit}` : '')
  return [
    `armed sources: ${armed.length} (near their trip: read as fast as the line allows until back past restore)`,
    ...table(['DEVICE/CHANNEL', 'VALUE', 'ARMED AT', 'TRIPS AT', 'SINCE', 'INTERLOCKS'], [...armed].sort((a, b) => a.since - b.since).map((a) => [
      `${a.device}/${a.channel}`, `${a.value}${unit(a)}`, `${a.armAt} (${a.armedBy})`, String(a.trip), time(a.since), a.interlocks.join(', '),
    ])),
  ]
}

/** The `edge-agent alarms` screen: active alarms, then interlocks, then tests due, as aligned tables. */
export function formatSafetyStatus(status: SafetyStatus, time: (ms: number) => string = localTime): string {
  const lines: string[] = []
  const unacked = status.alarms.filter((a) => !a.acknowledged).length
  if (status.alarms.length === 0) {
    lines.push('active alarms: none')
  } else {
    lines.push(`active alarms: ${status.alarms.length} (${unacked} unacknowledged)`)
    lines.push(...table(
      ['DEVICE/CHANNEL', 'KIND', 'LEVEL', 'SINCE', 'VALUE', 'STATE'],
      status.alarms.map((a) => [
        `${a.device}/${a.channel}`,
        a.interlock ? `${a.kind} (${a.interlock})` : a.kind,
        a.level, time(a.since), valueText(a), alarmState(a),
      ]),
    ))
  }
  lines.push('')
  if (status.interlocks.length === 0) {
    lines.push('interlocks: none configured')
  } else {
    const tripped = status.interlocks.filter((i) => i.state === 'tripped').length
    const bypassed = status.interlocks.filter((i) => i.bypass).length
    lines.push(`interlocks: ${status.interlocks.length} (${tripped} tripped, ${bypassed} bypassed)`)
    lines.push(...table(
      ['ID', 'STATE', 'OUTPUT', 'RESET', 'CAUSE', 'BYPASS'],
      status.interlocks.map((i) => [
        i.id, i.state, i.output, i.awaitingReset ? 'awaiting reset' : '-', i.cause ?? '-', bypassText(i.bypass, time),
      ]),
    ))
  }
  if (status.armed && status.armed.length > 0) lines.push('', ...armedLines(status.armed, time))
  // an agent older than the periodic tests says nothing of them
  if (status.tests) lines.push('', ...testsDueLines(status.tests))
  return lines.join('\n')
}

const isSafetyStatus = (data: unknown): data is SafetyStatus =>
  typeof data === 'object' && data !== null
  && Array.isArray((data as SafetyStatus).alarms) && Array.isArray((data as SafetyStatus).interlocks)

// ------------------------------------------------------------------ I/O

/** Send one command to the agent of `configFile`; an ok:false reply or no agent → RuntimeError (exit 1). */
export async function send<C extends CommandName>(configFile: string, command: C, args: CommandArgs<C>): Promise<ControlReply> {
  const path = controlSocketPath(loadConfigFile(configFile))
  let reply: ControlReply
  try {
    reply = await sendControlCommand(path, command, args)
  } catch (error) {
    if (error instanceof ControlError && error.code === 'CONTROL_NO_AGENT') {
      throw new RuntimeError(`no agent is running for this config (control socket ${path})`)
    }
    throw new RuntimeError(error instanceof Error ? error.message : String(error))
  }
  if (!reply.ok) throw new RuntimeError(reply.message ?? `the agent refused ${command}`)
  return reply
}

const print = (reply: ControlReply, confirmation: string) => console.log(reply.message ?? confirmation)

export function registerOperatorCommands(program: Command): void {
  const by = ['--by <name>', 'who does it, for the event log (default: the OS user name); the agent records beside it the OS account the kernel reports for this connection'] as const
  const config = ['--config <file>', 'gateway config (YAML); finds the agent\'s control socket'] as const

  program.command('ack')
    .description('acknowledge alarms: of one channel (--device --channel [--kind]) or every alarm (--all)')
    .requiredOption(...config)
    .option('--device <id>', 'device id')
    .option('--channel <id>', 'channel id of the device')
    .option('--kind <kind>', `one kind of alarm only: ${ALARM_KINDS.join(', ')}`)
    .option('--all', 'every alarm of the gateway')
    .option(...by)
    .action(async (options: AckOptions & { config: string }) => {
      const args = ackArgs(options)
      const reply = await send(options.config, 'ack-alarm', args)
      print(reply, 'all' in args ? `acknowledged every alarm (by ${args.by})` : `acknowledged ${args.kind ?? 'the'} alarms of ${args.device}/${args.channel} (by ${args.by})`)
    })

  program.command('reset')
    .description('manual reset of a tripped interlock (accepted once its trip condition is gone)')
    .requiredOption(...config)
    .requiredOption('--interlock <id>', 'interlock id')
    .option(...by)
    .action(async (options: { config: string; interlock: string; by?: string }) => {
      const args = resetArgs(options)
      print(await send(options.config, 'reset-interlock', args), `interlock ${args.interlock} reset (by ${args.by})`)
    })

  program.command('bypass')
    .description('maintenance bypass of an interlock for --minutes with a --reason; --end ends it early')
    .requiredOption(...config)
    .requiredOption('--interlock <id>', 'interlock id')
    .option('--reason <text>', 'why, for the event log (3 to 500 characters)')
    .option('--minutes <n>', `how long, 1 to ${MAX_BYPASS_MINUTES}; the interlock's maxBypassMinutes caps it`)
    .option('--end', 'end the bypass now')
    .option(...by)
    .action(async (options: BypassOptions & { config: string }) => {
      const request = bypassRequest(options)
      if (request.command === 'end-bypass') {
        print(await send(options.config, 'end-bypass', request.args), `bypass of interlock ${request.args.interlock} ended (by ${request.args.by})`)
      } else {
        const { interlock, minutes, by: who } = request.args
        print(await send(options.config, 'bypass-interlock', request.args), `interlock ${interlock} bypassed for ${minutes} min (by ${who})`)
      }
    })

  program.command('alarms')
    .description('active alarms, interlocks and the tests due (calibration, bump, interlock function) of the running agent')
    .requiredOption(...config)
    .option('--json', 'the agent\'s answer as JSON')
    .action(async (options: { config: string; json?: boolean }) => {
      const reply = await send(options.config, 'safety-status', {})
      if (!isSafetyStatus(reply.data)) throw new RuntimeError('the agent answered safety-status without alarms and interlocks')
      console.log(options.json ? JSON.stringify(reply.data, null, 2) : formatSafetyStatus(reply.data))
    })
}
