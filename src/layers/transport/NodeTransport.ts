import { Deferred, Effect, Exit, Mailbox, Option, type Scope } from "effect"
import * as Dgram from "node:dgram"
import * as Net from "node:net"
import { serveEach } from "./serveEach.js"
import {
  type Address,
  type Connection,
  type Datagram,
  type DatagramListener,
  formatAddress,
  type StreamListener,
  TransportError,
  type TransportShape
} from "./Types.js"

/** Chunks buffered per connection before the socket is paused (backpressure on a fast sender). */
const HIGH_WATER_CHUNKS = 64
/** Datagrams buffered before the oldest are dropped: a flood costs memory once, not forever. */
const DATAGRAM_BACKLOG = 1024

const remoteOf = (socket: Net.Socket) =>
  formatAddress({ host: socket.remoteAddress ?? "?", port: socket.remotePort ?? 0 })

/**
 * Wraps a connected socket. We never use `socket.setEncoding`: bytes stay bytes so that non-UTF-8 input
 * reaches the protocol, which refuses it. The scope's finalizer destroys the socket, so an interrupted
 * handler never leaves it open.
 */
const fromSocket = (socket: Net.Socket): Effect.Effect<Connection, never, Scope.Scope> =>
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
        Effect.map(Option.some),
        Effect.catchTag("NoSuchElementException", () => Effect.succeedNone)
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

const listenStream = (address: Address): Effect.Effect<StreamListener, TransportError, Scope.Scope> =>
  Effect.gen(function*() {
    // allowHalfOpen: a client that sends its request and half-closes (`nc -N`) still gets its reply.
    const server = Net.createServer({ allowHalfOpen: true, noDelay: true })
    const open = new Set<Net.Socket>()
    // Connections that arrive before `serve` runs wait here; the release destroys them, so shutdown never hangs.
    const accepted = yield* Mailbox.make<Net.Socket, TransportError>()
    server.on("connection", (socket) => {
      // Until its handler takes over, a reset on a waiting socket must not become an uncaught exception.
      socket.on("error", () => {})
      open.add(socket)
      socket.once("close", () => open.delete(socket))
      accepted.unsafeOffer(socket)
    })
    server.on("error", (cause) =>
      accepted.unsafeDone(Exit.fail(new TransportError({ reason: "Listen", address: formatAddress(address), cause }))))

    yield* Effect.acquireRelease(
      Effect.async<void, TransportError>((resume) => {
        const onError = (cause: Error) =>
          resume(Effect.fail(new TransportError({ reason: "Listen", address: formatAddress(address), cause })))
        server.once("error", onError)
        server.listen({ host: address.host, port: address.port }, () => {
          server.off("error", onError)
          resume(Effect.void)
        })
      }),
      () =>
        Effect.async<void>((resume) => {
          server.close(() => resume(Effect.void))
          for (const socket of open) socket.destroy()
        })
    )
    const bound = server.address() as Net.AddressInfo

    return {
      address: { host: bound.address, port: bound.port },
      serve: (handle) => serveEach(accepted, "connection", (socket) => Effect.scoped(Effect.flatMap(fromSocket(socket), handle)))
    }
  })

const bindDatagram = (address: Address) =>
  Effect.acquireRelease(
    Effect.async<Dgram.Socket, TransportError>((resume) => {
      const socket = Dgram.createSocket(Net.isIPv6(address.host) ? "udp6" : "udp4")
      const onError = (cause: Error) => {
        socket.close()
        resume(Effect.fail(new TransportError({ reason: "Listen", address: formatAddress(address), cause })))
      }
      socket.once("error", onError)
      socket.bind(address.port, address.host, () => {
        socket.off("error", onError)
        resume(Effect.succeed(socket))
      })
    }),
    (socket) => Effect.async<void>((resume) => {
      socket.close(() => resume(Effect.void))
    })
  )

const sendTo = (socket: Dgram.Socket, data: Uint8Array | string, to: Address) =>
  Effect.async<void, TransportError>((resume) => {
    socket.send(data, to.port, to.host, (cause) =>
      resume(cause ? Effect.fail(new TransportError({ reason: "Write", address: formatAddress(to), cause })) : Effect.void))
  })

const listenDatagram = (address: Address): Effect.Effect<DatagramListener, TransportError, Scope.Scope> =>
  Effect.gen(function*() {
    const socket = yield* bindDatagram(address)
    const inbox = yield* Mailbox.make<Datagram, TransportError>({ capacity: DATAGRAM_BACKLOG, strategy: "sliding" })
    socket.on("message", (data, peer) => {
      const from = { host: peer.address, port: peer.port }
      inbox.unsafeOffer({ remote: formatAddress(from), data, reply: (answer) => sendTo(socket, answer, from) })
    })
    // An unhandled dgram 'error' would crash the process: keep a listener for the socket's whole life.
    socket.on("error", (cause) =>
      inbox.unsafeDone(Exit.fail(new TransportError({ reason: "Read", address: formatAddress(address), cause }))))
    const bound = socket.address()

    return {
      address: { host: bound.address, port: bound.port },
      serve: (handle) => serveEach(inbox, "datagram", handle)
    }
  })

const connect = (address: Address): Effect.Effect<Connection, TransportError, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.async<Net.Socket, TransportError>((resume) => {
      const socket = Net.createConnection({ host: address.host, port: address.port, allowHalfOpen: true, noDelay: true })
      const onError = (cause: Error) => {
        socket.destroy()
        resume(Effect.fail(new TransportError({ reason: "Connect", address: formatAddress(address), cause })))
      }
      socket.once("error", onError).once("connect", () => {
        socket.off("error", onError)
        resume(Effect.succeed(socket))
      })
      return Effect.sync(() => socket.destroy())
    }),
    // With nothing left unread, destroy() closes with FIN, never RST.
    (socket) => Effect.sync(() => socket.destroy())
  ).pipe(Effect.flatMap(fromSocket))

const exchange = (address: Address, data: Uint8Array | string) =>
  Effect.scoped(Effect.gen(function*() {
    const socket = yield* bindDatagram({ host: Net.isIPv6(address.host) ? "::" : "0.0.0.0", port: 0 })
    const answer = yield* Deferred.make<Uint8Array, TransportError>()
    socket.on("message", (reply) => Deferred.unsafeDone(answer, Exit.succeed(reply)))
    socket.on("error", (cause) =>
      Deferred.unsafeDone(answer, Exit.fail(new TransportError({ reason: "Read", address: formatAddress(address), cause }))))
    yield* sendTo(socket, data, address)
    return yield* Deferred.await(answer)
  }))

export const makeNodeTransport = (): TransportShape => ({ listenStream, listenDatagram, connect, exchange })
