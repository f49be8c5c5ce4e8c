import type { AckAlarmArgs, AlarmKind, BypassInterlockArgs, CommandName, EndBypassArgs, ResetInterlockArgs } from '../../../protocols/mqtt/index.ts'
import type { AlarmTransition } from '../alarms/evaluator.ts'
import type { CommandOutcome, Decision } from '../interlocks/decision.ts'
import type { InterlockMachine } from '../interlocks/machine.ts'
import type { SafetyEvaluators } from './evaluators.ts'
import type { FailedInterlockAlarms } from './failed-interlock-alarms.ts'
import type { SafetySection } from '../outbox/index.ts'
import type { SafetyStatus } from './status.ts'

export interface CommandAnswer {
  ok: boolean
  message: string
  data?: unknown
}

/** What a command acts on, and how its outcome is recorded (the safety service). */
export interface CommandScope {
  evaluators: SafetyEvaluators
  failed: FailedInterlockAlarms
  status(): SafetyStatus
  /** record alarm transitions, and the state entry they changed */
  record(transitions: readonly AlarmTransition[], changed?: { section: SafetySection; id: string }): void
  /** a machine's decision: its write starts, its events are recorded */
  apply(decision: Decision, machine: InterlockMachine): void
}

/** One operator command whose arguments were checked against its schema (protocols/mqtt commandArgsErrors). */
export function runCommand(name: CommandName, args: unknown, now: number, scope: CommandScope): CommandAnswer {
  switch (name) {
    case 'safety-status': {
      const status = scope.status()
      return { ok: true, message: `${status.alarms.length} alarms active`, data: status }
    }
    case 'ack-alarm':
      return acknowledge(args as AckAlarmArgs, now, scope)
    case 'reset-interlock': {
      const { interlock, by } = args as ResetInterlockArgs
      return onMachine(interlock, scope, (m) => m.reset(now, by))
    }
    case 'bypass-interlock': {
      const { interlock, minutes, reason, by } = args as BypassInterlockArgs
      return onMachine(interlock, scope, (m) => m.startBypass(now, minutes, reason, by))
    }
    case 'end-bypass': {
      const { interlock, by } = args as EndBypassArgs
      return onMachine(interlock, scope, (m) => m.endBypass(now, by))
    }
  }
}

function onMachine(id: string, scope: CommandScope, command: (machine: InterlockMachine) => CommandOutcome): CommandAnswer {
  const { machines } = scope.evaluators
  const machine = machines.get(id)
  if (!machine) return { ok: false, message: `no interlock "${id}"; interlocks: ${[...machines.keys()].join(', ') || 'none'}` }
  const outcome = command(machine)
  scope.apply(outcome, machine)
  return { ok: outcome.ok, message: outcome.message }
}

function acknowledge(args: AckAlarmArgs, now: number, scope: CommandScope): CommandAnswer {
  const by = args.by
  const matches = (device: string, channel: string, kind: AlarmKind) =>
    'all' in args || (args.device === device && args.channel === channel && (args.kind === undefined || args.kind === kind))
  let count = 0
  for (const channel of scope.evaluators.alarms.values()) {
    const { device, channel: id } = channel.spec
    if (!('all' in args) && (device !== args.device || id !== args.channel)) continue
    const kind = 'all' in args ? undefined : args.kind
    if (kind === 'interlock-failed') continue
    const transitions = channel.acknowledge(kind, now, by)
    count += transitions.filter((t) => t.state === 'acknowledged').length
    scope.record(transitions, { section: 'alarms', id: `${device}/${id}` })
  }
  for (const rule of scope.evaluators.daily.values()) {
    if (!matches(rule.spec.device, rule.spec.inBand, 'daily')) continue
    const transitions = rule.acknowledge(now, by)
    count += transitions.length
    scope.record(transitions, { section: 'dailyRatios', id: rule.spec.device })
  }
  for (const { id, transition } of scope.failed.acknowledge((device, channel) => matches(device, channel, 'interlock-failed'), now, by)) {
    count++
    scope.record([transition], { section: 'failedInterlockAlarms', id })
  }
  if (count === 0) {
    const what = 'all' in args ? 'the gateway' : `${args.device}/${args.channel}${args.kind ? ` (${args.kind})` : ''}`
    return { ok: false, message: `no unacknowledged alarm on ${what}` }
  }
  return { ok: true, message: `${count} alarm${count === 1 ? '' : 's'} acknowledged` }
}
