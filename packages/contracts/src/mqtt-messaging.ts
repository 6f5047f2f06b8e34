/**
 * What a service needs of the MQTT broker besides device readings: publish to consoles and units,
 * and listen to topics such as ambulance status. The embedded aedes broker implements it in-process;
 * an mqtt.js client to an external broker implements it over the network.
 */
export interface MqttMessaging {
  publish(topic: string, payload: string, options?: { readonly qos?: 0 | 1; readonly retain?: boolean }): Promise<void>;
  /** Delivers every message on `filter` (MQTT wildcards allowed); resolves to a function that unsubscribes. */
  subscribe(filter: string, handler: (topic: string, payload: Buffer) => void): Promise<() => Promise<void>>;
}
