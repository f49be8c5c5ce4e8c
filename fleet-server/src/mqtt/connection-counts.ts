/** How many MQTT connections the broker holds, in all and from one address. */
export interface ConnectionCaps {
  maxConnections: number
  maxConnectionsPerAddress: number
}

/** Counts open connections by remote address and admits a new one only within the caps. */
export class ConnectionCounts {
  private total = 0
  private readonly byAddress = new Map<string, number>()

  constructor(private readonly caps: ConnectionCaps) {}

  /** Why `address` may not open another connection, or undefined (and it is counted) when it may. */
  admit(address: string): string | undefined {
    const fromAddress = this.byAddress.get(address) ?? 0
    if (this.total >= this.caps.maxConnections) return `the broker holds its maximum of ${this.caps.maxConnections} connections`
    if (fromAddress >= this.caps.maxConnectionsPerAddress) return `${address} holds its maximum of ${this.caps.maxConnectionsPerAddress} connections`
    this.total++
    this.byAddress.set(address, fromAddress + 1)
    return undefined
  }

  /** A connection `admit` let in has closed. */
  release(address: string): void {
    const fromAddress = this.byAddress.get(address) ?? 0
    if (fromAddress <= 0) return
    this.total--
    if (fromAddress === 1) this.byAddress.delete(address)
    else this.byAddress.set(address, fromAddress - 1)
  }

  get open(): number {
    return this.total
  }
}
