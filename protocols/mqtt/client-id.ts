/**
 * The one MQTT client id a gateway signs in with: the edge agent names itself so, provisioning tries
 * its login with it, and the fleet server's broker binds it to the gateway's user name.
 */
export const gatewayClientId = (siteId: string, gatewayId: string): string => `edge-${siteId}-${gatewayId}`
