import { TransportKind } from "../schema/TransportKind.js"
import { configs, options } from "../cli/Setting.js"
import { NonEmptyText, oneOf, Port, Seconds, TimeZone } from "../schema/SettingValues.js"

/**
 * Settings of the socket-basics programs (seeds 003 and 004). Servers read `ECHO_*` / `MESSAGE_*`, clients
 * `ECHO_TARGET_*` / `MESSAGE_TARGET_*`, as the points programs split `SERVER_*` from `TARGET_*`, so `stack` can
 * hold them all in one environment.
 */

/** `echo-server`: seed 003 listens on every interface, TCP 10000 and UDP 10001. */
export const echoServerSettings = {
  host: { flag: "host", env: "ECHO_HOST", schema: NonEmptyText, placeholder: "address", default: "0.0.0.0", description: "address to listen on (TCP and UDP)" },
  tcpPort: { flag: "tcp-port", env: "ECHO_TCP_PORT", schema: Port, default: "10000", description: "TCP echo port" },
  udpPort: { flag: "udp-port", env: "ECHO_UDP_PORT", schema: Port, default: "10001", description: "UDP echo port" },
}

export const echoClientSettings = {
  host: { flag: "host", env: "ECHO_TARGET_HOST", schema: NonEmptyText, placeholder: "address", default: "127.0.0.1", description: "echo server to use" },
  transport: { flag: "transport", env: "ECHO_TRANSPORT", schema: oneOf(...TransportKind.literals), default: "tcp", description: "the transport to send over" },
  tcpPort: { flag: "tcp-port", env: "ECHO_TARGET_TCP_PORT", schema: Port, default: "10000", description: "its TCP port" },
  udpPort: { flag: "udp-port", env: "ECHO_TARGET_UDP_PORT", schema: Port, default: "10001", description: "its UDP port" },
  timeout: { flag: "timeout", env: "ECHO_TIMEOUT", schema: Seconds, default: "2", description: "seconds to wait for the whole echo (seed 003's UDP client: 2)" },
}

/**
 * `message-server`: seed 004 binds 127.0.0.1:8080. 8080 is the dashboard's here, so the default is 8090 (the
 * seed's port plus ten); 127.0.0.1 stays the default for the seed's reason (a lab server, no authentication).
 */
export const messageServerSettings = {
  host: { flag: "host", env: "MESSAGE_HOST", schema: NonEmptyText, placeholder: "address", default: "127.0.0.1", description: "address to listen on (0.0.0.0 for every interface)" },
  port: { flag: "port", env: "MESSAGE_PORT", schema: Port, default: "8090", description: "port to listen on" },
  timeZone: { flag: "time-zone", env: "TIME_ZONE", schema: TimeZone, placeholder: "zone", default: "UTC", description: "time zone of the receipt's timestamp (IANA name, UTC or +08:00)" },
  idleTimeout: { flag: "idle-timeout", env: "MESSAGE_IDLE_TIMEOUT", schema: Seconds, default: "60", description: "seconds to wait for a client's message before closing" },
}

export const messageClientSettings = {
  host: { flag: "host", env: "MESSAGE_TARGET_HOST", schema: NonEmptyText, placeholder: "address", default: "127.0.0.1", description: "message server to use" },
  port: { flag: "port", env: "MESSAGE_TARGET_PORT", schema: Port, default: "8090", description: "its port" },
  timeout: { flag: "timeout", env: "MESSAGE_TIMEOUT", schema: Seconds, default: "5", description: "seconds one exchange may take, connect to the server's close" },
}

export const echoServerOptions = options(echoServerSettings)
export const echoServerConfig = configs(echoServerSettings)
export const echoClientOptions = options(echoClientSettings)
export const messageServerOptions = options(messageServerSettings)
export const messageServerConfig = configs(messageServerSettings)
export const messageClientOptions = options(messageClientSettings)
