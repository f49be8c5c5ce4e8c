/**
 * The layering of this repository, checked by `npm run boundaries` (and so by `npm test`).
 *
 *   protocols/          wire contracts shared by agent and server: imports nothing of ours, does no I/O
 *   hardware-profiles/  profiles, their schema and loader: imports only protocols/
 *   edge-agent/         imports protocols/ and hardware-profiles/, never fleet-server/
 *   fleet-server/       imports protocols/ and hardware-profiles/, never edge-agent/ — except the demo,
 *                       which composes an agent through edge-agent's public entry point only;
 *                       its records, store, ingest and compliance rules never import its HTTP layer
 *
 * @type {import('dependency-cruiser').IConfiguration}
 */
const OURS = '^(protocols|hardware-profiles|edge-agent|fleet-server|seeds|tests|bench)/'
const IO_MODULES = '^(fs|node:fs|fs/promises|node:fs/promises|net|node:net|dgram|node:dgram|child_process|node:child_process|http|node:http|https|node:https|tls|node:tls|worker_threads|node:worker_threads)$'
const IO_PACKAGES = '^node_modules/(better-sqlite3|mqtt|modbus-serial|serialport|@serialport|aedes|fastify|pino)/'

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'An import circle makes two modules one unit in disguise: split out what both need.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-circular-folders',
      severity: 'error',
      comment: 'Folders are capabilities; two that import each other are one capability, or share a third.',
      scope: 'folder',
      from: {},
      to: { circular: true },
    },
    {
      name: 'protocols-import-nothing-of-ours',
      severity: 'error',
      comment: 'protocols/ is the contract both sides share; it depends on nothing of ours.',
      from: { path: '^protocols/' },
      to: { path: OURS, pathNot: '^protocols/' },
    },
    {
      name: 'protocols-do-no-io',
      severity: 'error',
      comment: 'protocols/ holds contracts and pure codecs; I/O belongs to the programs.',
      from: { path: '^protocols/', pathNot: '/json-schema\\.ts$' },
      to: { dependencyTypes: ['core', 'npm'], path: [IO_MODULES, IO_PACKAGES] },
    },
    {
      name: 'hardware-profiles-import-only-protocols',
      severity: 'error',
      from: { path: '^hardware-profiles/' },
      to: { path: OURS, pathNot: '^(protocols|hardware-profiles)/' },
    },
    {
      name: 'edge-agent-never-imports-fleet-server',
      severity: 'error',
      from: { path: '^edge-agent/' },
      to: { path: '^(fleet-server|seeds|tests|bench)/' },
    },
    {
      name: 'fleet-server-never-imports-edge-agent',
      severity: 'error',
      comment: 'Only the demo runs agents, and only through edge-agent/src/index.ts.',
      from: { path: '^fleet-server/', pathNot: '^fleet-server/src/demo/' },
      to: { path: '^(edge-agent|tests|bench)/' },
    },
    {
      name: 'demo-uses-the-agents-public-entry-point',
      severity: 'error',
      from: { path: '^fleet-server/src/demo/' },
      to: { path: '^edge-agent/', pathNot: '^edge-agent/src/index\\.ts$' },
    },
    {
      name: 'dashboard-ships-only-its-own-files',
      severity: 'error',
      comment: 'The dashboard runs in the browser without a build step: it may load only web/ files (types for its checker may come from the server).',
      from: { path: '^fleet-server/web/', pathNot: '\\.d\\.ts$' },
      to: { pathNot: '^fleet-server/web/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'server-domain-knows-no-http',
      severity: 'error',
      comment: "The server's records, store, ingest and compliance rules are not its HTTP layer: routes import them, never the reverse (a store type is not an HTTP schema).",
      from: { path: '^fleet-server/src/(model|store|ingest|telemetry|compliance|reports|mqtt)/' },
      to: { path: '^fleet-server/src/(routes|api|auth)/|^fleet-server/src/(app|server)\\.ts$' },
    },
    {
      name: 'pure-safety-cores',
      severity: 'error',
      comment: 'Alarm evaluation and the interlock machine are pure: no I/O, no clock of their own, no service shell.',
      from: { path: '^edge-agent/src/(alarms/(evaluator|spec|daily-ratio|presets)|interlocks/(machine|spec))\\.ts$' },
      to: {
        path: [IO_MODULES, IO_PACKAGES, '^edge-agent/src/(safety|outbox|poll|uplink|control|cli|modbus)/'],
      },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|edge-agent/dist|\\.ci)/' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js', '.mjs', '.cjs', '.json', '.d.ts'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
}
