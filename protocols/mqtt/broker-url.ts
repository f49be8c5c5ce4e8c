/**
 * A broker URL (`mqtt://host:port`, `mqtts://…`) as mqtt.js's connection options, parsed with the WHATWG
 * URL API. Handing mqtt.js the URL string makes it call Node's legacy `url.parse()`, which Node 24
 * deprecates with a warning on the program's stderr at every start (DEP0169).
 */
export interface BrokerAddress {
  protocol: 'mqtt' | 'mqtts'
  host: string
  port: number
  username?: string
  password?: string
}

const DEFAULT_PORT = { mqtt: 1883, mqtts: 8883 } as const

export function brokerAddress(text: string): BrokerAddress {
  const url = new URL(text)
  const protocol = url.protocol.slice(0, -1)
  if (protocol !== 'mqtt' && protocol !== 'mqtts') throw new TypeError(`not an mqtt:// or mqtts:// URL: ${url.protocol}//${url.host}`)
  return {
    protocol,
    host: url.hostname.replace(/^\[(.*)\]$/u, '$1'),
    port: url.port === '' ? DEFAULT_PORT[protocol] : Number(url.port),
    ...(url.username !== '' && { username: decodeURIComponent(url.username) }),
    ...(url.password !== '' && { password: decodeURIComponent(url.password) }),
  }
}
