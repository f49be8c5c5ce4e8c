import Type, { type Static } from 'typebox'
import { SiteTypeSchema } from '../model/index.ts'
import { SYSTEM_IDS } from '../../../hardware-profiles/schema.ts'

/**
 * seeds/regulations.yaml: the duties of the city's work-safety plan that the fleet server tracks,
 * one rule per duty, and the date the rules apply from in each jurisdiction. Checked when loaded
 * (fleet-server/src/compliance/catalog.ts); mistakes come out as FILE:LINE:COL key.path: message.
 */

export { SYSTEM_IDS, type SystemId } from '../../../hardware-profiles/schema.ts'

const Day = Type.String({
  pattern: '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$',
  description: 'a calendar date, YYYY-MM-DD (Asia/Shanghai)',
})
const RuleId = Type.String({ pattern: '^[a-z][a-z0-9-]*$', maxLength: 64, description: 'kebab-case, unique in the catalog' })

const Bilingual = (description: string) => Type.Object({
  zh: Type.String({ minLength: 1, description: `${description}, in Chinese` }),
  en: Type.String({ minLength: 1, description: `${description}, in English` }),
}, { additionalProperties: false, description })

export const SystemIdSchema = Type.Enum([...SYSTEM_IDS], { description: 'regulatory system id' })

const RuleConditionSchema = Type.Object({
  inTownNearHomes: Type.Optional(Type.Boolean({
    description: 'binds only a site in town with homes or crowded public places nearby (城区范围内周边有民居、公共聚集场所); a site that does not say is not bound',
  })),
}, { additionalProperties: false, minProperties: 1, description: 'the rule binds a site of its types only when every key here equals the site\'s own' })

const RuleSchema = Type.Object({
  id: RuleId,
  clause: Type.String({ pattern: '^[一二三四五六七八九十]+(\\([一二三四五六七八九十]+\\)([0-9]+)?)?$', description: 'where in the plan, e.g. 四(四)1 (part, section, item)' }),
  statement: Bilingual('the duty in one sentence; zh quotes the plan word for word (parts joined by "……")'),
  siteTypes: Type.Array(SiteTypeSchema, { minItems: 1, uniqueItems: true, description: 'the kinds of site the rule binds' }),
  condition: Type.Optional(RuleConditionSchema),
  systems: Type.Array(SystemIdSchema, { minItems: 1, uniqueItems: true, description: 'the systems each bound site must install' }),
  // one JSON type list rather than a union, so a wrong value reads "must be integer,null"
  periodYears: Type.Unsafe<number | null>({
    type: ['integer', 'null'], minimum: 1, maximum: 20,
    description: 'years from the date the rule applies to the site until the systems must be installed; null when the plan gives none (due at once)',
  }),
  sanction: Type.Union([Bilingual('what the plan says happens when the deadline is missed'), Type.Null()], {
    description: 'null when the plan names no sanction for this duty',
  }),
}, { additionalProperties: false })

const JurisdictionSchema = Type.Object({
  appliesFrom: Day,
  rules: Type.Optional(Type.Record(Type.String(), Day, { description: 'per-rule dates that differ from appliesFrom, by rule id' })),
  source: Type.Optional(Type.String({ description: 'why this date: the document or decision it comes from' })),
}, { additionalProperties: false })

export const CatalogSchema = Type.Object({
  version: Type.Literal(1),
  source: Type.Object({
    title: Bilingual('the plan the rules come from'),
    file: Type.String({ minLength: 1, description: 'where its text is kept: a path relative to this file, inside the repository (the server does not read it)' }),
  }, { additionalProperties: false }),
  jurisdictions: Type.Object({ '*': JurisdictionSchema }, {
    additionalProperties: JurisdictionSchema,
    description: '"*": the whole city (required); other keys are townships or streets (e.g. 涌山镇) whose dates differ',
  }),
  rules: Type.Array(RuleSchema, { minItems: 1 }),
}, { additionalProperties: false })

export type Rule = Static<typeof RuleSchema>
export type Jurisdiction = Static<typeof JurisdictionSchema>
export type Catalog = Static<typeof CatalogSchema>
