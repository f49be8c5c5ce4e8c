/**
 * The fleet server's HTTP API as its clients see it (the dashboard, the tests, the benchmarks): every
 * schema a route declares for what it accepts and answers, with its static type. Declared where they
 * belong — the records in ../model/, each route's parameters, query strings and bodies beside it in
 * ../routes/*.schema.ts — and only gathered here; nothing in the server imports this file.
 * Times are epoch milliseconds UTC; dates are YYYY-MM-DD in Asia/Shanghai.
 */
export * from '../model/index.ts'
export * from '../routes/alarms.schema.ts'
export * from '../routes/commissioning-runs.schema.ts'
export * from '../routes/compliance.schema.ts'
export * from '../routes/enroll.schema.ts'
export * from '../routes/enroll-tokens.schema.ts'
export { ErrorSchema, type ErrorBody } from '../routes/errors.ts'
export * from '../routes/health.schema.ts'
export * from '../routes/installer.schema.ts'
export * from '../routes/reports.schema.ts'
export * from '../routes/series.schema.ts'
export * from '../routes/session.schema.ts'
export * from '../routes/sites.schema.ts'
