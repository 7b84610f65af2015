import { Effect, Exit, Mailbox, Option, type Scope } from "effect"
import * as Net from "node:net"
import * as Tls from "node:tls"
import { type Address, type Connection, type ConnectOptions, formatAddress, TransportError } from "./Types.js"

/** Chunks buffered per connection before the socket is paused (backpressure on a fast sender). */
const HIGH_WATER_CHUNKS = 64

const remoteOf = (socket: Net.Socket) =>
  formatAddress({ host: socket.remoteAddress ?? "?", port: socket.remotePort ?? 0 })

/**
 * Wraps a connected socket as a Connection (the fiber-per-connection path: echo, message, clients). We never
 * use `socket.setEncoding`: bytes stay bytes so that non-UTF-8 input reaches the protocol, which refuses it.
 * The scope's finalizer destroys the socket, so an interrupted handler never leaves it open.
 */
export const fromSocket = (socket: Net.Socket): Effect.Effect<Connection, never, Scope.Scope> =>
  Effect.gen(function*() {
    const remote = remoteOf(socket)
    const inbox = yield* Mailbox.make<Uint8Array, TransportError>()
    socket.on("data", (chunk: Buffer) => {
      inbox.unsafeOffer(chunk)
      if (Option.getOrElse(inbox.unsafeSize(), () => 0) >= HIGH_WATER_CHUNKS) socket.pause()
    })
    socket.on("end", () => inbox.unsafeDone(Exit.void))
    socket.on("close", () => inbox.unsafeDone(Exit.void))
    socket.on("error", (cause) => inbox.unsafeDone(Exit.fail(new TransportError({ reason: "Read", address: remote, cause }))))
    if (socket.destroyed) inbox.unsafeDone(Exit.void) // it went away while waiting to be handled
    yield* Effect.addFinalizer(() => Effect.sync(() => socket.destroy()))

    const closed = new TransportError({ reason: "Write", address: remote, cause: new Error("connection closed") })
    const waitFor = (event: "drain" | "finish") =>
      Effect.async<void>((resume) => {
        const done = () => {
          socket.off(event, done).off("close", done)
          resume(Effect.void)
        }
        socket.once(event, done).once("close", done)
      })

    return {
      remote,
      read: inbox.take.pipe(
        Effect.tap(() => {
          if (socket.isPaused() && Option.getOrElse(inbox.unsafeSize(), () => 0) < HIGH_WATER_CHUNKS / 2) socket.resume()
        }),
        Effect.optionFromOptional
      ),
      write: (data) =>
        Effect.suspend(() => {
          if (socket.destroyed || socket.writableEnded) return Effect.fail(closed)
          return socket.write(data) ? Effect.void : waitFor("drain")
        }),
      end: Effect.suspend(() => {
        if (socket.destroyed || socket.writableFinished) return Effect.void
        socket.end()
        return waitFor("finish")
      })
    }
  })

/**
 * Dials a stream: plain TCP, or TLS verified against `options.tls.ca` (the system's roots if absent) and the
 * server's name (the host, unless it is an IP address, which the certificate must then name).
 */
export const connect = (address: Address, options: ConnectOptions = {}): Effect.Effect<Connection, TransportError, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.async<Net.Socket, TransportError>((resume) => {
      const tls = options.tls
      const socket = tls === undefined
        ? Net.createConnection({ host: address.host, port: address.port, allowHalfOpen: true, noDelay: true })
        : Tls.connect({
          host: address.host,
          port: address.port,
          ...(tls.ca === undefined ? {} : { ca: tls.ca }),
          ...(Net.isIP(tls.servername ?? address.host) ? {} : { servername: tls.servername ?? address.host })
        })
      const onError = (cause: Error) => {
        socket.destroy()
        resume(Effect.fail(new TransportError({ reason: "Connect", address: formatAddress(address), cause })))
      }
      socket.once("error", onError).once(tls === undefined ? "connect" : "secureConnect", () => {
        socket.off("error", onError)
        resume(Effect.succeed(socket))
      })
      return Effect.sync(() => socket.destroy())
    }),
    // With nothing left unread, destroy() closes with FIN, never RST.
    (socket) => Effect.sync(() => socket.destroy())
  ).pipe(Effect.flatMap(fromSocket))
