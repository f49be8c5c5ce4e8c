/** Ids that are safe as one MQTT topic level and in a URL path: no wildcards, no separators. Sites and gateways use them. */
export const ID_PATTERN = '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$'
