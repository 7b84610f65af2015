import { Effect, Option, type Scope } from "effect"
import { pieces, showBytes } from "../schema/EchoProtocol.js"
import { type Address, type Connection, type Datagram, formatAddress, Transport, type TransportError } from "../layers/Transport.js"

export interface EchoServerOptions {
  readonly host: string
  readonly tcpPort: number
  readonly udpPort: number
}

/**
 * One TCP client, as seed 003's server treats it: every chunk goes back as it arrives (never held for a
 * newline or EOF, since seed 003's client waits for its echo before it closes), in pieces of at most 16 bytes.
 * We close only after the client has finished sending.
 */
export const echoStream = (connection: Connection) =>
  Effect.gen(function*() {
    yield* Effect.logInfo("connection opened")
    while (true) {
      const chunk = yield* connection.read
      if (Option.isNone(chunk)) break
      for (const piece of pieces(chunk.value)) {
        yield* Effect.logInfo(`Received: ${showBytes(piece)}`).pipe(Effect.annotateLogs({ bytes: piece.length }))
        yield* Effect.logInfo("Sending data back to client")
        yield* connection.write(piece)
      }
    }
    yield* connection.end
    yield* Effect.logInfo("connection closed")
  }).pipe(Effect.annotateLogs({ transport: "tcp", remote: connection.remote }))

/** One UDP datagram: back to its sender whole, as seed 003's UDP server does. */
export const echoDatagram = (datagram: Datagram) =>
  Effect.gen(function*() {
    yield* Effect.logInfo(`Received ${datagram.data.length} bytes`).pipe(Effect.annotateLogs({ data: showBytes(datagram.data) }))
    yield* Effect.logInfo("Sending acknowledgement back")
    yield* datagram.reply(datagram.data)
  }).pipe(Effect.annotateLogs({ transport: "udp", remote: datagram.remote }))

export interface BoundEchoServer {
  readonly tcp: Address
  readonly udp: Address
  /** Both accept loops side by side until interrupted; if one fails, both stop. */
  readonly run: Effect.Effect<never, TransportError>
}

/** Binds the TCP and the UDP echo in the caller's scope; either failing to bind fails the whole. */
export const bindEchoServer = (
  options: EchoServerOptions
): Effect.Effect<BoundEchoServer, TransportError, Transport | Scope.Scope> =>
  Effect.gen(function*() {
    const transport = yield* Transport
    const tcp = yield* transport.listenStream({ host: options.host, port: options.tcpPort })
    const udp = yield* transport.listenDatagram({ host: options.host, port: options.udpPort })
    yield* Effect.logInfo("echo server listening").pipe(
      Effect.annotateLogs({ tcp: formatAddress(tcp.address), udp: formatAddress(udp.address) })
    )
    return {
      tcp: tcp.address,
      udp: udp.address,
      run: Effect.all([tcp.serve(echoStream), udp.serve(echoDatagram)], { concurrency: "unbounded", discard: true }).pipe(
        Effect.andThen(Effect.never)
      )
    }
  })

/** An echo server until interrupted; its sockets close with the scope. */
export const serveEcho = (options: EchoServerOptions) =>
  Effect.scoped(Effect.flatMap(bindEchoServer(options), (server) => server.run))
