import { Deferred, Effect, Exit, Mailbox, Ref } from "effect"
import { toBytes } from "../../schema/Bytes.js"
import { runSession } from "./sessionLoop.js"
import { serveEach } from "./serveEach.js"
import {
  type Address,
  type Connection,
  type Datagram,
  formatAddress,
  listenerLimits,
  sessionLimits,
  TransportError,
  type TransportShape
} from "./Types.js"

/**
 * An in-process network. Listeners are keyed by port; a connection is two mailboxes, one per direction, so
 * ordering, EOF and half-close behave as on TCP. Datagrams to a port nobody listens on vanish, as on UDP.
 * Everything runs on Effect's scheduler, so TestClock drives timeouts deterministically. Sessions run on the
 * slow path (a fiber per connection) with the same timers and drain as the node transport's; the connection
 * cap and TLS are the node transport's alone.
 */
export const makeMemoryTransport = Effect.gen(function*() {
  const streams = new Map<number, Mailbox.Mailbox<Connection>>()
  const datagrams = new Map<number, Mailbox.Mailbox<Datagram>>()
  const nextPort = yield* Ref.make(49152)

  const portFor = (address: Address) =>
    address.port === 0 ? Ref.getAndUpdate(nextPort, (port) => port + 1) : Effect.succeed(address.port)

  const claim = <A>(registry: Map<number, A>, address: Address, value: A) =>
    Effect.flatMap(portFor(address), (port) =>
      registry.has(port)
        ? Effect.fail(new TransportError({ reason: "Listen", address: formatAddress(address), cause: new Error("EADDRINUSE") }))
        : Effect.acquireRelease(Effect.sync(() => {
          registry.set(port, value)
          return port
        }), () => Effect.sync(() => registry.delete(port))))

  /** One end of a pipe: reads what the other end writes. */
  const end = (remote: string, inbound: Mailbox.Mailbox<Uint8Array>, outbound: Mailbox.Mailbox<Uint8Array>): Connection => ({
    remote,
    read: Effect.optionFromOptional(inbound.take),
    write: (data) =>
      Effect.flatMap(outbound.offer(toBytes(data)), (accepted) =>
        accepted ? Effect.void : Effect.fail(new TransportError({ reason: "Write", address: remote, cause: new Error("connection closed") }))),
    end: Effect.asVoid(outbound.end)
  })

  const transport: TransportShape = {
    listenStream: (address, options = {}) =>
      Effect.gen(function*() {
        const accepted = yield* Mailbox.make<Connection>()
        const port = yield* claim(streams, address, accepted)
        return {
          address: { host: address.host, port },
          // As a socket's release would, the server's side is closed when its handler is done.
          serve: (handle) => serveEach(accepted, "connection", (connection) => Effect.ensuring(handle(connection), connection.end)),
          serveSessions: (open, timeouts) =>
            Effect.gen(function*() {
              const limits = sessionLimits(timeouts)
              const draining = yield* Deferred.make<void>()
              let sessions = 0
              const sessionsEnded = yield* Deferred.make<void>()
              const session = (connection: Connection) =>
                Effect.acquireUseRelease(
                  Effect.sync(() => sessions++),
                  () => runSession(connection, open(), limits, draining),
                  () => Effect.zipRight(connection.end, Effect.suspend(() => --sessions === 0 ? Deferred.succeed(sessionsEnded, undefined) : Effect.void))
                )
              // Drain, as the node transport does: idle sessions end now, requests under way are answered, and
              // after shutdownTimeout serveEach interrupts what is left. The wait runs in a finalizer, where only
              // an interruptible one can be cut by the timeout.
              const drain = Effect.zipRight(
                Deferred.succeed(draining, undefined),
                Effect.suspend(() =>
                  sessions === 0 ? Effect.void : Effect.ignore(Effect.timeout(Effect.interruptible(Deferred.await(sessionsEnded)), listenerLimits(options).shutdownTimeout)))
              )
              return yield* serveEach(accepted, "connection", session, drain)
            })
        }
      }),

    listenDatagram: (address) =>
      Effect.gen(function*() {
        const inbox = yield* Mailbox.make<Datagram>()
        const port = yield* claim(datagrams, address, inbox)
        return {
          address: { host: address.host, port },
          serve: (handle) => serveEach(inbox, "datagram", handle),
          answerEach: (answer) =>
            serveEach(inbox, "datagram", (datagram) => {
              const reply = answer(datagram.data)
              return reply === undefined ? Effect.void : datagram.reply(reply)
            })
        }
      }),

    connect: (address) =>
      Effect.gen(function*() {
        const listener = streams.get(address.port)
        if (listener === undefined) {
          return yield* new TransportError({ reason: "Connect", address: formatAddress(address), cause: new Error("ECONNREFUSED") })
        }
        const toServer = yield* Mailbox.make<Uint8Array>()
        const toClient = yield* Mailbox.make<Uint8Array>()
        // Closing the client's scope closes both directions, as a socket's close would.
        yield* Effect.addFinalizer(() => Effect.all([toServer.end, toClient.end]))
        yield* listener.offer(end(`memory-client:${address.port}`, toServer, toClient))
        return end(formatAddress(address), toClient, toServer)
      }),

    exchange: (address, data) =>
      Effect.gen(function*() {
        const answer = yield* Deferred.make<Uint8Array>()
        const bytes = toBytes(data)
        datagrams.get(address.port)?.unsafeOffer({
          remote: `memory-client:${address.port}`,
          data: bytes,
          reply: (reply) =>
            Deferred.done(answer, Exit.succeed(toBytes(reply)))
        })
        return yield* Deferred.await(answer)
      })
  }
  return transport
})
