/** Regulation catalog and compliance status: pure functions of the catalog, a site's facts and dates, and the fleet's report computed from the store. */
export { SYSTEM_IDS, type Catalog, type Rule } from './catalog-schema.ts'
export { defaultCatalogFile, loadCatalog, parseCatalog } from './catalog.ts'
export { requiredSystems } from './required.ts'
export { complianceStatus, deadlineOf, isDay, missedDeadline, systemCoverage, verified } from './status.ts'
export { parseCsv } from './csv.ts'
export { complianceReport } from './report.ts'
export { COVERAGE_MAX_AGE_MS } from './fleet-report.ts'
