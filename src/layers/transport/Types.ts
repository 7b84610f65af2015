import { Data, Duration, type Effect, type Option, type Scope } from "effect"
import type { SessionLimits } from "./SessionDriver.js"

export interface Address {
  readonly host: string
  readonly port: number
}

export const formatAddress = (address: Address) =>
  address.host.includes(":") ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`

export class TransportError extends Data.TaggedError("TransportError")<{
  readonly reason: "Listen" | "Connect" | "Read" | "Write"
  readonly address: string
  readonly cause?: unknown
}> {
  override get message() {
    const cause = this.cause as { code?: string; message?: string } | undefined
    const detail = cause?.code ?? cause?.message ?? (cause === undefined ? "" : String(cause))
    const what = { Listen: "cannot listen on", Connect: "cannot connect to", Read: "read failed from", Write: "write failed to" }
    return `${what[this.reason]} ${this.address}${detail ? `: ${detail}` : ""}`
  }
}

/** A byte stream to one peer (a TCP connection). Framing is the protocol's business, not the transport's. */
export interface Connection {
  readonly remote: string
  /** The next chunk the peer sent, or None once it has finished sending (EOF or half-close). */
  readonly read: Effect.Effect<Option.Option<Uint8Array>, TransportError>
  /** Queues bytes for the peer; waits only when the socket's buffer is full. */
  readonly write: (data: Uint8Array | string) => Effect.Effect<void, TransportError>
  /** Finishes our side gracefully: what was written is flushed, then FIN (never RST). */
  readonly end: Effect.Effect<void>
}

/**
 * A request/reply protocol on one connection as a synchronous state machine: the transport feeds it bytes
 * inside the socket's own callbacks and writes what it returns, so a request costs no fiber, no queue and no
 * timer. It owns framing and dialects; the transport owns timers, backpressure, the cap and the drain.
 */
export interface StreamSession {
  /** Bytes from the peer; returns the replies to send now ("" for none). */
  readonly receive: (chunk: Uint8Array) => string
  /** The peer has finished sending (EOF or half-close): the last replies. The connection ends after them. */
  readonly finish: () => string
  /** The reply to a request cut by the request timeout; the connection ends after it. */
  readonly timedOut: () => string
  /** The session wants the connection ended once its replies are sent (a one-shot reply, `quit`, too long). */
  readonly ended: boolean
  /** Part of a request has arrived and its end has not: the request timeout runs from its first byte. */
  readonly midRequest: boolean
}

export interface SessionTimeouts {
  /** A connection that sends nothing for this long is closed. */
  readonly idleTimeout: Duration.DurationInput
  /** A request must be complete this long after its first byte, or it is refused and the connection closed. */
  readonly requestTimeout?: Duration.DurationInput | undefined
}

/** Settings of a stream listener, whatever it serves. */
export interface StreamOptions {
  /** Connections open at once; one more is sent `overCapacity` and closed. */
  readonly maxConnections?: number | undefined
  /** The line a connection over the cap gets before it is closed. */
  readonly overCapacity?: string
  /** On interruption, how long connections get to finish what they were sent before they are destroyed. */
  readonly shutdownTimeout?: Duration.DurationInput | undefined
  /** Speak TLS (PEM certificate chain and key); the protocol on top does not change. */
  readonly tls?: { readonly cert: string; readonly key: string }
  /** Told of every connection that opens and closes (the openConnections gauge). */
  readonly connections?: { readonly inc: () => void; readonly dec: () => void }
}

export interface StreamListener {
  /** The bound address; with port 0, the port the system chose. */
  readonly address: Address
  /**
   * Accepts connections until interrupted, each handled in a fiber of its own; a failing handler is logged
   * and never stops the others. Interrupting it stops accepting, gives the handlers `shutdownTimeout` to
   * finish, then interrupts them and closes their connections.
   */
  readonly serve: <E, R>(handle: (connection: Connection) => Effect.Effect<void, E, R>) => Effect.Effect<never, TransportError, R>
  /**
   * Accepts connections until interrupted, each driven by a fresh session in the socket's own callbacks (the
   * hot path). Interrupting it drains: stops accepting, closes idle connections, lets requests under way
   * finish within `shutdownTimeout`, then destroys what is left.
   */
  readonly serveSessions: (open: () => StreamSession, timeouts: SessionTimeouts) => Effect.Effect<never, TransportError>
}

/** One datagram received, with the way to answer its sender. */
export interface Datagram {
  readonly remote: string
  readonly data: Uint8Array
  readonly reply: (data: Uint8Array | string) => Effect.Effect<void, TransportError>
}

export interface DatagramListener {
  readonly address: Address
  readonly serve: <E, R>(handle: (datagram: Datagram) => Effect.Effect<void, E, R>) => Effect.Effect<never, TransportError, R>
  /**
   * Answers every datagram synchronously in the socket's callback (the hot path): `answer` returns the reply,
   * or undefined for none. Replies that would queue past a bound are dropped, so a flood costs no memory.
   */
  readonly answerEach: (answer: (data: Uint8Array) => string | undefined) => Effect.Effect<never, TransportError>
}

/** How a client dials: plain TCP, or TLS verified against `ca` (default: the system's roots) and the host name. */
export interface ConnectOptions {
  readonly tls?: { readonly ca?: string; readonly servername?: string }
}

/** How programs reach the network: TCP-like streams and UDP-like datagrams, listening and dialling. */
export interface TransportShape {
  readonly listenStream: (address: Address, options?: StreamOptions) => Effect.Effect<StreamListener, TransportError, Scope.Scope>
  readonly listenDatagram: (address: Address) => Effect.Effect<DatagramListener, TransportError, Scope.Scope>
  readonly connect: (address: Address, options?: ConnectOptions) => Effect.Effect<Connection, TransportError, Scope.Scope>
  /** Sends one datagram and waits for the first one that comes back (bound its wait with a timeout). */
  readonly exchange: (address: Address, data: Uint8Array | string) => Effect.Effect<Uint8Array, TransportError>
}

/**
 * The documented defaults of the hostile-client limits (MAX_CONNECTIONS, REQUEST_TIMEOUT, SHUTDOWN_TIMEOUT):
 * the settings show them as their defaults, and the transports apply them, here, to whatever leaves one out.
 */
export const STREAM_DEFAULTS = { maxConnections: 1024, requestTimeoutSeconds: 10, shutdownTimeoutSeconds: 5 } as const

/** A stream listener's cap and drain time, defaults applied. */
export const listenerLimits = (options: StreamOptions) => ({
  maxConnections: options.maxConnections ?? STREAM_DEFAULTS.maxConnections,
  shutdownTimeout: options.shutdownTimeout ?? Duration.seconds(STREAM_DEFAULTS.shutdownTimeoutSeconds)
})

/** A session's timers in milliseconds, defaults applied. */
export const sessionLimits = (timeouts: SessionTimeouts): SessionLimits => ({
  idleMs: Duration.toMillis(timeouts.idleTimeout),
  requestMs: Duration.toMillis(timeouts.requestTimeout ?? Duration.seconds(STREAM_DEFAULTS.requestTimeoutSeconds))
})
