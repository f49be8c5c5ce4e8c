import { describe, expect, it } from 'vitest'
import { DEMO_DEFAULTS, DemoUsageError, demoOptions } from '../../../fleet-server/src/demo/options.ts'
import { readyBanner } from '../../../fleet-server/src/demo/banner.ts'
import { defaultSeedFile, loadDemoFleet } from '../../../fleet-server/src/demo/seed.ts'

describe('demo options', () => {
  it('defaults to the contract: 8080, 1883, ./data/demo, a leak every 180 s', () => {
    expect(demoOptions([], {})).toEqual({ host: '127.0.0.1', port: 8080, mqttPort: 1883, dataDir: './data/demo', leakPeriodS: 180, logLevel: DEMO_DEFAULTS.logLevel })
  })

  it('takes DEMO_* variables, and flags over them; 0 is a free port', () => {
    const env = { DEMO_PORT: '0', DEMO_MQTT_PORT: '0', DEMO_LEAK_PERIOD_S: '20', DEMO_DATA_DIR: '/tmp/x' }
    expect(demoOptions([], env)).toMatchObject({ port: 0, mqttPort: 0, leakPeriodS: 20, dataDir: '/tmp/x' })
    expect(demoOptions(['--port', '9090', '--leak-period-s', '30'], env)).toMatchObject({ port: 9090, mqttPort: 0, leakPeriodS: 30 })
  })

  it('refuses what it cannot use, saying which option', () => {
    expect(() => demoOptions([], { DEMO_PORT: 'http' })).toThrow(/HTTP port \(--port, DEMO_PORT\) must be an integer from 0 to 65535, got "http"/u)
    expect(() => demoOptions(['--leak-period-s', '1'], {})).toThrow(DemoUsageError)
    expect(() => demoOptions(['--bogus'], {})).toThrow(/usage: npm start/u)
  })
})

describe('the ready banner', () => {
  it('names the dashboard, the broker, the leak, the test run at start and every demo login', () => {
    const fleet = loadDemoFleet(defaultSeedFile())
    const text = readyBanner({ fleet, dashboardUrl: 'http://127.0.0.1:8080', mqttUrl: 'mqtt://127.0.0.1:1883', dataDir: 'data/demo', leakPeriodS: 180 })
    expect(text).toMatch(/^ {2}dashboard +http:\/\/127\.0\.0\.1:8080$/mu)
    expect(text).toMatch(/^ {2}mqtt +mqtt:\/\/127\.0\.0\.1:1883$/mu)
    expect(text).toMatch(/涌山煤矿 ch4-t0-1201: methane through alarm and power cut every 180 s/u)
    expect(text).toMatch(/^ {2}test run +镇桥煤矿 ch4-heading-201: commissioned now with test gas, signed; its record shows under 合规 \(compliance\)$/mu)
    for (const user of fleet.users) expect(text).toMatch(new RegExp(`^ {2}${user.name} +${user.password} +${user.role} `, 'mu'))
  })
})
