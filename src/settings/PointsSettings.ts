import { ConfigError, Duration, Effect, Option, ParseResult, Schema } from "effect"
import * as Fs from "node:fs"
import { Dialect } from "../schema/PointsProtocol.js"
import { UserName } from "../schema/ScoreRow.js"
import { TransportKind } from "../schema/TransportKind.js"
import { option } from "../cli/Setting.js"
import { STREAM_DEFAULTS } from "../layers/transport/Types.js"
import { Flag, NonEmptyText, oneOf, Port, PositiveInt, Seconds, SecondsOrZero, withEdges } from "../schema/SettingValues.js"

/** `TRANSPORT`, case-insensitive. */
const Transport = oneOf(...TransportKind.literals)

/**
 * HISTORY_RETENTION: how long ledger rows (the history) are kept. A number with a unit, `s`, `m`, `h` or `d`
 * (`7d`, `12h`); a bare number is seconds.
 */
const UNIT_MILLIS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }
export const Retention = withEdges(Schema.transformOrFail(Schema.String, Schema.DurationFromSelf, {
  strict: true,
  decode: (text, _, ast) => {
    const match = /^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$/i.exec(text)
    const millis = match ? Math.round(Number(match[1]) * UNIT_MILLIS[(match[2] || "s").toLowerCase()]!) : 0
    return millis > 0
      ? ParseResult.succeed(Duration.millis(millis))
      : ParseResult.fail(new ParseResult.Type(ast, text, "expected a duration above 0 such as 7d, 12h, 30m or 3600 (seconds)"))
  },
  encode: (duration) => ParseResult.succeed(`${Duration.toSeconds(duration)}`)
}), ["7d", "12h", "1"], ["0", "0d", "abc"])

/** A file named by a setting, read at start-up (a certificate, a key); empty means none. */
const OptionalFile = withEdges(Schema.transformOrFail(Schema.String, Schema.OptionFromSelf(Schema.String), {
  strict: true,
  decode: (path, _, ast) => {
    if (path === "") return ParseResult.succeed(Option.none())
    try {
      return ParseResult.succeed(Option.some(Fs.readFileSync(path, "utf8")))
    } catch (error) {
      return ParseResult.fail(new ParseResult.Type(ast, path, `cannot read the file (${(error as { code?: string }).code ?? String(error)})`))
    }
  },
  encode: () => ParseResult.fail(new ParseResult.Forbidden(Schema.String.ast, undefined, "a file's contents are not a setting"))
}), ["", "/dev/null"], ["/nonexistent/scoreline.pem"])

/** Settings every points server has, in `server` and `stack` alike. */
export const sharedServerOptions = {
  host: option({ flag: "host", env: "SERVER_HOST", schema: NonEmptyText, placeholder: "address", default: "0.0.0.0", description: "address to listen on" }),
  interval: option({ flag: "interval", env: "UPDATE_INTERVAL", schema: Seconds, default: "30", description: "seconds between points (fractions allowed)" }),
  idleTimeout: option({ flag: "idle-timeout", env: "IDLE_TIMEOUT", schema: Seconds, default: "60", description: "seconds a silent TCP connection is kept open" }),
  refreshInterval: option({ flag: "refresh-interval", env: "REFRESH_INTERVAL", schema: Seconds, default: "1", description: "seconds between reads of the row back from the database: others' writes are answered within this" }),
  pointsPerTick: option({ flag: "points-per-tick", env: "POINTS_PER_TICK", schema: PositiveInt, default: "1", description: "points added per interval (a roster entry's pointsPerTick wins in a stack)" }),
  historyRetention: option({ flag: "history-retention", env: "HISTORY_RETENTION", schema: Retention, placeholder: "duration", default: "7d", description: "how long the ledger keeps each interval's row (7d, 12h, 30m, or seconds)" }),
  maxConnections: option({ flag: "max-connections", env: "MAX_CONNECTIONS", schema: PositiveInt, default: String(STREAM_DEFAULTS.maxConnections), description: "TCP connections served at once; one more gets an ERROR line and is closed" }),
  requestTimeout: option({ flag: "request-timeout", env: "REQUEST_TIMEOUT", schema: Seconds, default: String(STREAM_DEFAULTS.requestTimeoutSeconds), description: "seconds a TCP request may take from its first byte to its last (slow clients are cut)" }),
  shutdownTimeout: option({ flag: "shutdown-timeout", env: "SHUTDOWN_TIMEOUT", schema: Seconds, default: String(STREAM_DEFAULTS.shutdownTimeoutSeconds), description: "seconds a stopping server gives requests under way before it closes what is left" }),
  tlsCert: option({ flag: "tls-cert", env: "TLS_CERT_FILE", schema: OptionalFile, placeholder: "file", default: "", description: "PEM certificate (chain) file: with TLS_KEY_FILE, TCP speaks TLS" }),
  tlsKey: option({ flag: "tls-key", env: "TLS_KEY_FILE", schema: OptionalFile, placeholder: "file", default: "", description: "PEM private key file of TLS_CERT_FILE" })
}

/** The server's TLS identity, if both files are given; one without the other is a bad configuration. */
export const serverTls = (settings: { readonly tlsCert: Option.Option<string>; readonly tlsKey: Option.Option<string> }) =>
  Option.isSome(settings.tlsCert) && Option.isSome(settings.tlsKey)
    ? Effect.succeed({ cert: settings.tlsCert.value, key: settings.tlsKey.value })
    : Option.isNone(settings.tlsCert) && Option.isNone(settings.tlsKey)
    ? Effect.succeed(undefined)
    : Effect.fail(ConfigError.InvalidData([Option.isSome(settings.tlsCert) ? "TLS_KEY_FILE" : "TLS_CERT_FILE"], "TLS_CERT_FILE and TLS_KEY_FILE are set together or not at all"))

export const serverOptions = {
  user: option({ flag: "user", env: "SERVER_USER", schema: withEdges(UserName, ["alice", "x".repeat(50)], ["", "x".repeat(51), "two words", "a,b"]), placeholder: "name", description: "the user whose row this server owns" }),
  port: option({ flag: "port", env: "SERVER_PORT", schema: Port, default: "5001", description: "port to listen on" }),
  transport: option({ flag: "transport", env: "TRANSPORT", schema: Transport, default: "tcp", description: "the transport to serve on" }),
  ...sharedServerOptions
}

/** What a client prints per reply (`CLIENT_OUTPUT`). */
export const CLIENT_OUTPUTS = ["line", "points"] as const

/** Settings of a points client's retries, in `client` and `stack` alike. */
export const retryOptions = {
  tries: option({ flag: "tries", env: "CLIENT_TRIES", schema: PositiveInt, default: "5", description: "tries per request before giving up" }),
  initialDelay: option({ flag: "retry-delay", env: "CLIENT_RETRY_DELAY", schema: Seconds, default: "1", description: "seconds before the first retry; doubles each time" }),
  maxDelay: option({ flag: "retry-max-delay", env: "CLIENT_RETRY_MAX_DELAY", schema: Seconds, default: "10", description: "longest wait between retries, in seconds" }),
  timeout: option({ flag: "timeout", env: "CLIENT_TIMEOUT", schema: Seconds, default: "5", description: "seconds one request may take, connect to reply" })
}

export const clientOptions = {
  host: option({ flag: "host", env: "TARGET_HOST", schema: NonEmptyText, placeholder: "address", default: "127.0.0.1", description: "server to ask" }),
  port: option({ flag: "port", env: "TARGET_PORT", schema: Port, default: "5001", description: "its port" }),
  transport: option({ flag: "transport", env: "TRANSPORT", schema: Transport, default: "tcp", description: "the transport to ask over" }),
  dialect: option({ flag: "dialect", env: "CLIENT_DIALECT", schema: oneOf(...Dialect.literals), default: "REQUEST_LATEST_POINTS", description: "the request to send: seed 002's REQUEST_LATEST_POINTS or seed 001's get_data" }),
  interval: option({ flag: "interval", env: "POLL_INTERVAL", schema: SecondsOrZero, default: "0", description: "seconds between polls; 0 asks once and exits" }),
  tls: option({ flag: "tls", env: "TLS", schema: Flag, default: "false", description: "speak TLS to the server (TCP), verifying its certificate and name" }),
  tlsCa: option({ flag: "tls-ca", env: "TLS_CA_FILE", schema: OptionalFile, placeholder: "file", default: "", description: "PEM file of the CA to trust instead of the system's (a private CA)" }),
  output: option({ flag: "output", env: "CLIENT_OUTPUT", schema: oneOf(...CLIENT_OUTPUTS), default: "line", description: "what to print per reply: the whole reply line, or seed 000's `Latest points: <n>`" }),
  ...retryOptions
}

