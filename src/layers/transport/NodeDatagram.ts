import { Deferred, Effect, Exit, Mailbox, type Scope } from "effect"
import * as Dgram from "node:dgram"
import * as Net from "node:net"
import { lastEncoding } from "./lastEncoding.js"
import { serveEach } from "./serveEach.js"
import { type Address, type Datagram, type DatagramListener, formatAddress, TransportError } from "./Types.js"

/** Datagrams buffered for fiber handlers before the oldest are dropped: a flood costs memory once, not forever. */
const DATAGRAM_BACKLOG = 1024
/** Replies queued in the socket before more are dropped (a peer flooding us cannot make the queue grow). */
const SEND_QUEUE_LIMIT = 1024

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

export const listenDatagram = (address: Address): Effect.Effect<DatagramListener, TransportError, Scope.Scope> =>
  Effect.gen(function*() {
    const socket = yield* bindDatagram(address)
    const where = formatAddress(address)
    let failed: ((error: TransportError) => void) | undefined
    // An unhandled dgram 'error' would crash the process: keep a listener for the socket's whole life.
    socket.on("error", (cause) => failed?.(new TransportError({ reason: "Read", address: where, cause })))
    // Datagrams that arrive before a serve runs wait here, the oldest dropped past the backlog.
    const early: Array<readonly [Buffer, Dgram.RemoteInfo]> = []
    let deliver = (data: Buffer, peer: Dgram.RemoteInfo) => {
      if (early.push([data, peer]) > DATAGRAM_BACKLOG) early.shift()
    }
    socket.on("message", (data, peer) => deliver(data, peer))
    const receiveWith = (onMessage: (data: Buffer, peer: Dgram.RemoteInfo) => void) => {
      deliver = onMessage
      for (const [data, peer] of early.splice(0)) onMessage(data, peer)
    }
    const bound = socket.address()

    return {
      address: { host: bound.address, port: bound.port },

      serve: (handle) =>
        Effect.gen(function*() {
          const inbox = yield* Mailbox.make<Datagram, TransportError>({ capacity: DATAGRAM_BACKLOG, strategy: "sliding" })
          const onMessage = (data: Buffer, peer: Dgram.RemoteInfo) => {
            const from = { host: peer.address, port: peer.port }
            inbox.unsafeOffer({ remote: formatAddress(from), data, reply: (answer) => sendTo(socket, answer, from) })
          }
          failed = (error) => inbox.unsafeDone(Exit.fail(error))
          receiveWith(onMessage)
          yield* Effect.addFinalizer(() => Effect.sync(() => receiveWith(() => {})))
          return yield* serveEach(inbox, "datagram", handle)
        }).pipe(Effect.scoped),

      answerEach: (answer) =>
        Effect.async<never, TransportError>((resume) => {
          const encode = lastEncoding()
          const onMessage = (data: Buffer, peer: Dgram.RemoteInfo) => {
            const reply = answer(data)
            if (reply === undefined || socket.getSendQueueCount() >= SEND_QUEUE_LIMIT) return
            socket.send(encode(reply), peer.port, peer.address)
          }
          failed = (error) => resume(Effect.fail(error))
          receiveWith(onMessage)
          return Effect.sync(() => receiveWith(() => {}))
        })
    }
  })

export const exchange = (address: Address, data: Uint8Array | string) =>
  Effect.scoped(Effect.gen(function*() {
    const socket = yield* bindDatagram({ host: Net.isIPv6(address.host) ? "::" : "0.0.0.0", port: 0 })
    const answer = yield* Deferred.make<Uint8Array, TransportError>()
    socket.on("message", (reply) => Deferred.unsafeDone(answer, Exit.succeed(reply)))
    socket.on("error", (cause) =>
      Deferred.unsafeDone(answer, Exit.fail(new TransportError({ reason: "Read", address: formatAddress(address), cause }))))
    yield* sendTo(socket, data, address)
    return yield* Deferred.await(answer)
  }))
