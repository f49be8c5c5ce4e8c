import type { DemoFleet, DemoUser } from './fleet-schema.ts'

export interface BannerFacts {
  fleet: DemoFleet
  dashboardUrl: string
  mqttUrl: string
  dataDir: string
  leakPeriodS: number
}

function sees(user: DemoUser, fleet: DemoFleet): string {
  switch (user.role) {
    case 'admin': return 'every site; manages users'
    case 'regulator': return user.jurisdiction === '*' ? 'every site of the city (*)' : `sites in ${user.jurisdiction}`
    case 'enterprise': return `sites of ${fleet.enterprises.find((e) => e.id === user.enterpriseId)?.name ?? user.enterpriseId}`
    case 'installer': return `enrols and commissions ${user.siteIds?.join(', ')}`
  }
}

const pad = (text: string, width: number) => text.padEnd(width)

/** What `npm start` prints once everything runs: where to look, how to log in, what will happen. */
export function readyBanner({ fleet, dashboardUrl, mqttUrl, dataDir, leakPeriodS }: BannerFacts): string {
  const devices = fleet.sites.reduce((n, site) => n + site.gateway.devices.length, 0)
  const leaks = fleet.sites.flatMap((site) => site.gateway.devices.filter((d) => d.scenario === 'leak').map((d) => `${site.name} ${d.id}`))
  const tested = fleet.sites.flatMap((site) => site.gateway.devices.filter((d) => d.scenario === 'gas-test').map((d) => `${site.name} ${d.id}`))
  const users = fleet.users.map((user) => ({ name: user.name, password: user.password, role: user.role, sees: sees(user, fleet) }))
  const nameWidth = Math.max(4, ...users.map((u) => u.name.length)) + 2
  const passwordWidth = Math.max(8, ...users.map((u) => u.password.length)) + 2
  const roleWidth = Math.max(4, ...users.map((u) => u.role.length)) + 2
  return [
    '',
    `Leping demo fleet (乐平市) running: ${fleet.sites.length} sites, ${fleet.sites.length} gateways, ${devices} simulated devices`,
    `  dashboard  ${dashboardUrl}`,
    `  mqtt       ${mqttUrl}`,
    `  data       ${dataDir} (fresh each run)`,
    ...(leaks.length > 0 ? [`  leak       ${leaks.join(', ')}: methane through alarm and power cut every ${leakPeriodS} s`] : []),
    ...(tested.length > 0 ? [`  test run   ${tested.join(', ')}: commissioned now with test gas, signed; its record shows under 合规 (compliance)`] : []),
    '',
    `  ${pad('user', nameWidth)}${pad('password', passwordWidth)}${pad('role', roleWidth)}sees`,
    ...users.map((u) => `  ${pad(u.name, nameWidth)}${pad(u.password, passwordWidth)}${pad(u.role, roleWidth)}${u.sees}`),
    '  (fixed demo passwords from seeds/demo-fleet.yaml; never reuse them)',
    '',
    'Ctrl-C stops everything.',
    '',
  ].join('\n')
}
