// The types of index.js. TypeScript reads this file for `i18n/index.js`, both in the server (the
// monthly report, src/reports/texts.ts, takes the dashboard's names of systems, site types and levels
// from its dictionaries) and in the dashboard's own check; index.js declares each of its exports with
// these types, so the two cannot drift apart.
export type Lang = 'zh' | 'en'
/** `{name}` placeholders and the values that fill them */
export type Params = Record<string, string | number | null | undefined>

export declare const dictionaries: Record<Lang, Record<string, string>>
/** The language saved in storage, Chinese when none (or storage is unavailable). */
export declare function loadLang(storage?: Storage): Lang
/** Switch to `lang` and save it; an unknown language is ignored. */
export declare function setLang(lang: string, storage?: Storage): void
export declare function lang(): Lang
/** The string for `key` in the current language, `{name}` placeholders filled from `params`. */
export declare function t(key: string, params?: Params): string
/** `prefix.value` when the dictionary knows it, the raw value otherwise (e.g. an unknown alarm level). */
export declare function tOr(prefix: string, value: string): string
