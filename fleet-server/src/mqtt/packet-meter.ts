/**
 * Follows MQTT framing over the bytes a client sends, without buffering them: each packet's fixed
 * header (type byte, then the remaining length, 7 bits a byte) says how long it is, so a packet too
 * large is known from its header, before any of its body is read. Until the client has signed in,
 * all it sends together may not exceed the pre-auth budget (a CONNECT and little else).
 */
export interface PacketLimits {
  /** the largest packet a signed-in client may send, fixed header included */
  maxPacketBytes: number
  /** all a client may send before it has signed in */
  preAuthMaxBytes: number
}

/** The MQTT remaining length takes at most 4 bytes (268,435,455). */
const MAX_LENGTH_BYTES = 4

export class PacketMeter {
  private signedIn = false
  private receivedBytes = 0
  /** body bytes of the current packet still to come */
  private bodyLeft = 0
  /** where in the fixed header the next byte falls: 0 the type byte, 1..4 a remaining-length byte */
  private headerIndex = 0
  private announced = 0
  private multiplier = 1

  constructor(private readonly limits: PacketLimits) {}

  /** The client signed in: from now on only the packet size is limited. */
  markSignedIn(): void {
    this.signedIn = true
  }

  /**
   * Counts `chunk`. Answers why the connection must close when the chunk goes past a limit (the chunk
   * is then not to be passed on), else undefined.
   */
  feed(chunk: Uint8Array): string | undefined {
    this.receivedBytes += chunk.length
    if (!this.signedIn && this.receivedBytes > this.limits.preAuthMaxBytes) {
      return `sent more than ${this.limits.preAuthMaxBytes} bytes before signing in`
    }
    const maxPacketBytes = this.signedIn ? this.limits.maxPacketBytes : Math.min(this.limits.maxPacketBytes, this.limits.preAuthMaxBytes)
    let i = 0
    while (i < chunk.length) {
      if (this.bodyLeft > 0) {
        const taken = Math.min(this.bodyLeft, chunk.length - i)
        this.bodyLeft -= taken
        i += taken
        continue
      }
      const byte = chunk[i++]!
      if (this.headerIndex === 0) {
        this.headerIndex = 1
        this.announced = 0
        this.multiplier = 1
        continue
      }
      this.announced += (byte & 0x7f) * this.multiplier
      this.multiplier *= 128
      if (byte & 0x80) {
        if (this.headerIndex === MAX_LENGTH_BYTES) return 'a malformed remaining length (more than 4 bytes)'
        this.headerIndex++
        continue
      }
      const packetBytes = 1 + this.headerIndex + this.announced
      if (packetBytes > maxPacketBytes) return `announced a packet of ${packetBytes} bytes; the limit is ${maxPacketBytes}`
      this.bodyLeft = this.announced
      this.headerIndex = 0
    }
    return undefined
  }
}
