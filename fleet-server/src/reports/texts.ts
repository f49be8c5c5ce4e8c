/** The report's words in Chinese (default) and English; names of systems, site types and levels are the dashboard's. */
import { dictionaries } from '../../web/i18n/index.js'

export type Lang = 'zh' | 'en'

const zh = {
  title: '月度安全风险分析报告',
  basis: '依据本市安全生产工作方案四(二)3：企业每月开展风险分析',
  enterprise: '企业', month: '月份', period: '统计时段', generatedAt: '生成时间', asOf: '合规截至', toNow: '（本月，截至生成时）',
  summary: '风险摘要', worst: '重点风险', noRisk: '本月未发现需要关注的风险项。', totals: '合计', site: '场所', sites: '场所',
  'count.alarms': '报警', 'count.unacknowledgedAlarms': '未确认报警', 'count.trips': '联锁跳闸', 'count.interlockFailures': '联锁动作失败',
  'count.offlineHours': '离线小时', 'count.calibrationsOverdue': '校准逾期', 'count.testsOverdue': '定期测试逾期', 'count.complianceMissed': '未按期建设系统',
  'worst.compliance-overdue': '{site}：{subject} 逾期未建设 {n} 天', 'worst.compliance-late': '{site}：{subject} 超期 {n} 天建成',
  'worst.interlock-failed': '{site}：联锁 {subject} 动作失败 {n} 次', 'worst.unacknowledged-alarm': '{site}：{subject} 报警 {n} 小时未确认',
  'worst.offline': '{site}：网关 {subject} 离线 {n} 小时', 'worst.calibration-overdue': '{site}：{subject} 校准逾期 {n} 天', 'worst.test-overdue': '{site}：{subject} 定期测试逾期 {n} 天',
  jurisdiction: '属地', type: '类型',
  alarms: '报警', byKind: '按类型', byLevel: '按级别', listedAlarms: '未确认及持续最久的报警', notListed: '另有 {n} 条报警未列出', tripsNotListed: '另有 {n} 次跳闸未列出',
  raisedAt: '发生时间', device: '设备', channel: '通道', level: '级别', valueThreshold: '数值/阈值', acknowledged: '确认人/时间', clearedAt: '解除时间',
  duration: '持续', notAcknowledged: '未确认', active: '未解除', hours: '{n} 小时', days: '{n} 天',
  interlocks: '联锁动作（跳闸与失败）', time: '时间', gateway: '网关', interlock: '联锁', state: '状态', cause: '原因',
  gateways: '网关离线时长', hoursCounted: '统计小时', offlineHours: '离线小时', longestGap: '最长中断', firstSample: '首次上报', never: '从未上报',
  calibrations: '校准到期', profile: '型号', location: '位置', system: '系统', calibrationDue: '校准到期日', daysOverdue: '逾期天数', notYet: '本月内到期',
  periodicTests: '定期测试逾期（截至 {day}）', test: '测试', 'test.calibration': '标校', 'test.bump': '气体试验（响应测试）', 'test.interlock': '联锁功能试验',
  lastTested: '上次完成', 'lastFrom.inventory': '网关登记', 'lastFrom.run': '签名测试记录', dueOn: '到期日', periodDays: '周期（天）', neverTested: '无记录',
  compliance: '安全设施建设（截至 {day}）', clause: '条款', deadline: '期限', installedOn: '建成日期', verified: '实时数据验证', status: '状态', sanction: '处罚',
  yes: '已验证', no: '未验证', none: '无',
  notes: '说明',
  note1: '时间均为北京时间（Asia/Shanghai）；月份为自然月，自当月1日0时至次月1日0时。报警按发生时间计入当月，跨月报警计入发生的月份。',
  note2: '离线小时：统计时段内的整点小时中，该网关所有通道的1小时汇总数据均无样本的小时数（rollup_1h 按网关关联 channels）；网关首次上报之前的小时不计，从未上报的网关全部计为离线；本月报告只统计到生成时已结束的整点小时。',
  note3: '校准：按设备当前登记的校准到期日，统计在月末前到期的设备；逾期天数按月末（次月1日，本月为今天）计算。',
  note4: '安全设施建设状态截至月末最后一天（本月为今天），实时数据验证为截至该日7天内数据覆盖率不低于95%。',
  'status.compliant': '按期建成', 'status.late': '逾期建成', 'status.overdue': '逾期未建', 'status.due-soon': '即将到期', 'status.on-track': '未到期',
  'kind.level': '超限', 'kind.rate-of-rise': '上升速率', 'kind.sensor-fault': '传感器故障', 'kind.flatline': '数据僵直', 'kind.interlock-failed': '联锁失败', 'kind.daily': '日累计',
  'istate.tripped': '已跳闸', 'istate.failed': '动作失败',
}

type Key = keyof typeof zh

const en: Record<Key, string> = {
  title: 'Monthly safety risk report',
  basis: 'Per the city\'s work-safety plan, 四(二)3: every enterprise analyses its risks monthly',
  enterprise: 'Enterprise', month: 'Month', period: 'Period', generatedAt: 'Generated', asOf: 'Compliance as of', toNow: ' (current month, up to generation time)',
  summary: 'Risk summary', worst: 'Worst items', noRisk: 'No item needing attention this month.', totals: 'Total', site: 'Site', sites: 'Sites',
  'count.alarms': 'Alarms', 'count.unacknowledgedAlarms': 'Unacknowledged alarms', 'count.trips': 'Interlock trips', 'count.interlockFailures': 'Interlock failures',
  'count.offlineHours': 'Offline hours', 'count.calibrationsOverdue': 'Calibrations overdue', 'count.testsOverdue': 'Recurring tests overdue', 'count.complianceMissed': 'Systems late or overdue',
  'worst.compliance-overdue': '{site}: {subject} not installed, {n|day} past the deadline', 'worst.compliance-late': '{site}: {subject} installed {n|day} late',
  'worst.interlock-failed': '{site}: interlock {subject} failed {n|time}', 'worst.unacknowledged-alarm': '{site}: alarm on {subject} unacknowledged for {n} h',
  'worst.offline': '{site}: gateway {subject} offline {n} h', 'worst.calibration-overdue': '{site}: {subject} calibration {n|day} overdue', 'worst.test-overdue': '{site}: {subject} test {n|day} overdue',
  jurisdiction: 'Jurisdiction', type: 'Type',
  alarms: 'Alarms', byKind: 'By kind', byLevel: 'By level', listedAlarms: 'Unacknowledged and longest alarms', notListed: '{n|more alarm} not listed', tripsNotListed: '{n|more trip} not listed',
  raisedAt: 'Raised at', device: 'Device', channel: 'Channel', level: 'Level', valueThreshold: 'Value / threshold', acknowledged: 'Acknowledged by / at', clearedAt: 'Cleared at',
  duration: 'Duration', notAcknowledged: 'not acknowledged', active: 'active', hours: '{n} h', days: '{n|day}',
  interlocks: 'Interlock actions (trips and failures)', time: 'Time', gateway: 'Gateway', interlock: 'Interlock', state: 'State', cause: 'Cause',
  gateways: 'Gateway offline hours', hoursCounted: 'Hours counted', offlineHours: 'Offline hours', longestGap: 'Longest gap', firstSample: 'First sample', never: 'never reported',
  calibrations: 'Calibrations due', profile: 'Profile', location: 'Location', system: 'System', calibrationDue: 'Calibration due', daysOverdue: 'Days overdue', notYet: 'due this month',
  periodicTests: 'Recurring tests overdue (as of {day})', test: 'Test', 'test.calibration': 'Calibration', 'test.bump': 'Bump test', 'test.interlock': 'Interlock function test',
  lastTested: 'Last done', 'lastFrom.inventory': 'gateway config', 'lastFrom.run': 'signed test run', dueOn: 'Due on', periodDays: 'Period (days)', neverTested: 'no record',
  compliance: 'Required safety systems (as of {day})', clause: 'Clause', deadline: 'Deadline', installedOn: 'Installed on', verified: 'Verified by live data', status: 'Status', sanction: 'Sanction',
  yes: 'verified', no: 'not verified', none: 'None',
  notes: 'Notes',
  note1: 'Times are Asia/Shanghai (UTC+8); a month runs from its first day 00:00 to the next month\'s first day 00:00. An alarm counts in the month it was raised, also when it lasted into the next.',
  note2: 'Offline hours: whole hours of the period in which no 1-hour roll-up of any channel of the gateway holds a sample (rollup_1h joined with channels on the gateway). Hours before a gateway\'s first sample are not counted; a gateway that never reported counts every hour. In the current month only the hours ended by the generation time count.',
  note3: 'Calibrations: devices whose current calibration due date falls before the month ends; days overdue on the day the month ends (the next month\'s first day; today in the current month).',
  note4: 'Required systems as they stood on the month\'s last day (today in the current month); verified = the devices reported data for at least 95 % of the 7 days ending that day.',
  'status.compliant': 'Compliant', 'status.late': 'Late', 'status.overdue': 'Overdue', 'status.due-soon': 'Due soon', 'status.on-track': 'On track',
  'kind.level': 'Level', 'kind.rate-of-rise': 'Rate of rise', 'kind.sensor-fault': 'Sensor fault', 'kind.flatline': 'Flatline', 'kind.interlock-failed': 'Interlock failed', 'kind.daily': 'Daily total',
  'istate.tripped': 'Tripped', 'istate.failed': 'Failed',
}

/** the entries the report shares with the dashboard, taken from its dictionaries */
const dashboardNames = (lang: Lang) => Object.fromEntries(Object.entries(dictionaries[lang]).filter(([key]) => /^(system|siteType|level)\./u.test(key)))

const TEXTS: Record<Lang, Record<string, string>> = { zh: { ...dashboardNames('zh'), ...zh }, en: { ...dashboardNames('en'), ...en } }

/** The text of `key` with {name} placeholders filled (values as given: the caller escapes); an unknown key falls back to `fallback`. */
export function text(lang: Lang, key: string, values: Record<string, string | number> = {}, fallback = key): string {
  const template = TEXTS[lang][key] ?? fallback
  // {n|day}: the number and the noun, plural unless the number is 1 (English only)
  return template.replace(/\{(\w+)(?:\|([^}]+))?\}/gu, (_, name: string, noun?: string) => {
    const value = values[name]
    if (value === undefined) return `{${name}}`
    return noun === undefined ? String(value) : `${value} ${noun}${value === 1 ? '' : 's'}`
  })
}
