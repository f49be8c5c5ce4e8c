// Types of i18n.js for the server's TypeScript: the monthly report (src/reports/texts.ts) takes the
// dashboard's names of systems, site types and levels from its dictionaries.
export declare const dictionaries: Record<'zh' | 'en', Record<string, string>>
