import Type from 'typebox'
import { Id } from '../model/primitives.ts'

// Every query string and body the API accepts is closed (additionalProperties: false): a field a route
// does not declare answers 400 naming it.

export const SiteParamsSchema = Type.Object({ id: Id })
export const SiteFilterQuerySchema = Type.Object({ siteId: Type.Optional(Id) }, { additionalProperties: false })
