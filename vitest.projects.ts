import type { TestProjectInlineConfiguration } from 'vitest/config'

/**
 * The test suite's two projects. `unit`: no child process, no socket, no real component — fast, and
 * held to it by tests/support/unit-guard.ts (a test that tries either fails, saying to move it).
 * `integration`: the real things — mosquitto, pymodbus, socat, chromium, the programs spawned, the
 * tsc and dependency-cruiser checks. Every tests/**\/*.test.ts is in exactly one of them
 * (tests/ci/test-projects.test.ts holds it): a test file is a unit test unless listed here.
 */
export const INTEGRATION_TESTS = [
  'tests/ci/boundaries.test.ts',
  'tests/ci/dashboard-types.test.ts',
  'tests/ci/dead-code.test.ts',
  'tests/ci/system-packages.test.ts',
  'tests/edge-agent/cli/commission-cli.test.ts',
  'tests/edge-agent/cli/native-module-missing.test.ts',
  'tests/edge-agent/cli/profiles.test.ts',
  'tests/edge-agent/cli/read.test.ts',
  'tests/edge-agent/cli/run-once-word-order.test.ts',
  'tests/edge-agent/cli/run-warnings.test.ts',
  'tests/edge-agent/cli/scan.test.ts',
  'tests/edge-agent/config/corpus.test.ts',
  'tests/edge-agent/control/operator.test.ts',
  'tests/edge-agent/control/server.test.ts',
  'tests/edge-agent/control/peer-user.test.ts',
  'tests/edge-agent/modbus/identification.test.ts',
  'tests/edge-agent/modbus/serial-line-lock.test.ts',
  'tests/edge-agent/poll/faults.test.ts',
  'tests/edge-agent/poll/integration.test.ts',
  'tests/edge-agent/poll/modbus-serial-master.test.ts',
  'tests/edge-agent/poll/write-integration.test.ts',
  'tests/edge-agent/provision/login-after-enrolment.test.ts',
  'tests/edge-agent/provision/provision-cli.test.ts',
  'tests/edge-agent/safety/scenarios.test.ts',
  'tests/edge-agent/simulator/gas-test-cli.test.ts',
  'tests/edge-agent/simulator/servers.test.ts',
  'tests/edge-agent/simulator/stuck.test.ts',
  'tests/edge-agent/store-forward/**/*.test.ts',
  'tests/edge-agent/uplink/mqtt311.test.ts',
  'tests/edge-agent/uplink/uplink.test.ts',
  'tests/fleet-server/api/server.test.ts',
  'tests/fleet-server/api/sign-in-throttle.test.ts',
  'tests/fleet-server/cli/**/*.test.ts',
  'tests/fleet-server/demo/edge-site.test.ts',
  'tests/fleet-server/demo/npm-start.test.ts',
  'tests/fleet-server/e2e/**/*.test.ts',
  'tests/fleet-server/ingest/ack.test.ts',
  'tests/fleet-server/ingest/fuzz-mosquitto.test.ts',
  'tests/fleet-server/ingest/gateway-claims-server.test.ts',
  'tests/fleet-server/ingest/mosquitto-ingest.test.ts',
  'tests/fleet-server/mqtt/connection-limits.test.ts',
  'tests/fleet-server/mqtt/embedded-broker.test.ts',
  'tests/fleet-server/mqtt/client-id-takeover.test.ts',
  'tests/fleet-server/mqtt/gateway-takeover.test.ts',
  'tests/fleet-server/reports/pdf.test.ts',
  'tests/fleet-server/web/commissioning-browser.test.ts',
  'tests/fleet-server/web/compliance.test.ts',
  'tests/fleet-server/web/dashboard.test.ts',
  'tests/fleet-server/web/installer-browser.test.ts',
  'tests/interop/**/*.test.ts',
  'tests/logs/agent-and-server-lines.test.ts',
  'tests/protocols/modbus/codec.test.ts',
  'tests/protocols/mqtt/published-schemas.test.ts',
]

export const ALL_TESTS = ['tests/**/*.test.ts']

export const testProjects: TestProjectInlineConfiguration[] = [
  {
    extends: true,
    test: {
      name: 'unit', include: ALL_TESTS, exclude: INTEGRATION_TESTS, setupFiles: ['tests/support/unit-guard.ts'],
      // no I/O to keep apart: one module cache (fastify, Ajv's compiled schemas) serves every file a
      // worker runs instead of being loaded again for each. Processes, not threads: a worker thread
      // cannot change its time zone (process.env.TZ), which the local-time tests do.
      isolate: false,
    },
  },
  {
    extends: true,
    test: { name: 'integration', include: INTEGRATION_TESTS },
  },
]
