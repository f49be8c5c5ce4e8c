import Type from 'typebox'
import { GatewayId } from '../model/primitives.ts'

export const GatewayParamsSchema = Type.Object({ id: GatewayId })
export const RevokeReplySchema = Type.Object({
  gatewayId: GatewayId,
  revoked: Type.Literal(true, { description: 'its credentials are gone and its sessions on the embedded broker closed' }),
})
