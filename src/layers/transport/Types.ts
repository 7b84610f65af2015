import { Data, type Effect, type Option, type Scope } from "effect"

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

export interface StreamListener {
  /** The bound address; with port 0, the port the system chose. */
  readonly address: Address
  /**
   * Accepts connections until interrupted, each handled in a fiber of its own; a failing handler is logged
   * and never stops the others. Interrupting it closes every open connection.
   */
  readonly serve: <E, R>(handle: (connection: Connection) => Effect.Effect<void, E, R>) => Effect.Effect<never, TransportError, R>
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
}

/** How programs reach the network: TCP-like streams and UDP-like datagrams, listening and dialling. */
export interface TransportShape {
  readonly listenStream: (address: Address) => Effect.Effect<StreamListener, TransportError, Scope.Scope>
  readonly listenDatagram: (address: Address) => Effect.Effect<DatagramListener, TransportError, Scope.Scope>
  readonly connect: (address: Address) => Effect.Effect<Connection, TransportError, Scope.Scope>
  /** Sends one datagram and waits for the first one that comes back (bound its wait with a timeout). */
  readonly exchange: (address: Address, data: Uint8Array | string) => Effect.Effect<Uint8Array, TransportError>
}
