/** Regulation catalog and compliance status: pure functions of the catalog, a site's facts and dates. */
export * from './catalog-schema.ts'
export { CATALOG_INVALID, defaultCatalogFile, jurisdictionAppliesFrom, jurisdictionsOf, loadCatalog, parseCatalog, type ParsedCatalog } from './catalog.ts'
export { requiredSystems, ruleBinds, type RequiredSystem, type SiteFacts } from './required.ts'
export * from './status.ts'
export { OPTIONAL_COLUMNS, REQUIRED_COLUMNS, parseSitesCsv, type ImportedSite, type SiteImport } from './site-import.ts'
export { CsvSyntaxError, parseCsv, type CsvField, type CsvRecord } from './csv.ts'
export { COMPLIANCE_CSV_COLUMNS, complianceCsv, complianceReport, csvField } from './report.ts'
