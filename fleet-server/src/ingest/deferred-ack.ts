import type { IPublishPacket, MqttClient } from 'mqtt'

/** A message taken from the connection and not yet acknowledged. */
export interface Delivery {
  topic: string
  payload: Buffer
  retain: boolean
}

/**
 * The one adapter to mqtt.js's acknowledgement of incoming messages.
 *
 * mqtt.js sends a QoS 1 PUBACK when `handleMessage(packet, callback)` calls back, and takes the
 * next packet from the connection only then: holding the callback until a commit would store one
 * message per transaction. So `handleMessage` calls back at once *with an error* — mqtt.js then
 * reads on and sends no PUBACK — and `ack()` sends the PUBACK once the message is stored, on the
 * connection it arrived on only (after a reconnect the broker delivers it again; an old packet id
 * must not acknowledge a new message). PUBACKs go out in arrival order, as MQTT 3.1.1 §4.6 asks.
 *
 * `deliver` gets every message; it is called synchronously, in order.
 */
export function takeDeliveries(client: MqttClient, deliver: (delivery: Delivery, ack: () => void) => void): void {
  let lastTopic = ''
  // emitted just before handleMessage, with the topic resolved (an MQTT 5 topic alias leaves packet.topic empty)
  client.on('message', (topic) => {
    lastTopic = topic
  })
  const later = new Error('acknowledged after the commit')
  client.handleMessage = (packet: IPublishPacket, callback) => {
    const delivery: Delivery = { topic: packet.topic || lastTopic, payload: packet.payload as Buffer, retain: packet.retain }
    if (packet.qos !== 1 || packet.messageId === undefined) {
      // QoS 0: nothing to acknowledge (QoS 2 is not subscribed to)
      deliver(delivery, () => undefined)
      callback()
      return
    }
    const stream = client.stream
    const messageId = packet.messageId
    deliver(delivery, () => {
      if (client.connected && client.stream === stream) {
        ;(client as unknown as { _sendPacket(packet: object, cb?: () => void): void })._sendPacket({ cmd: 'puback', messageId })
      }
    })
    callback(later)
  }
}
