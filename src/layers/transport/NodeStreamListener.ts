import { Cause, Duration, Effect, FiberSet, type Scope } from "effect"
import * as Net from "node:net"
import * as Tls from "node:tls"
import { lastEncoding } from "./lastEncoding.js"
import { fromSocket } from "./NodeSocket.js"
import { type DrivenSocket, driveSocket, sweepPeriodMs } from "./SessionSocket.js"
import { type Address, type Connection, formatAddress, listenerLimits, sessionLimits, type StreamListener, type StreamOptions, TransportError } from "./Types.js"

/**
 * A TCP (or TLS) listener. Every accepted socket is tracked from its first moment, so the listener's scope
 * owns them all: its release destroys whatever is still open and waits until the port is free. Over the cap
 * a connection is told why and closed at once; those below it keep being served.
 */
export const listenStream = (address: Address, options: StreamOptions = {}): Effect.Effect<StreamListener, TransportError, Scope.Scope> =>
  Effect.gen(function*() {
    const where = formatAddress(address)
    const { maxConnections: max, shutdownTimeout } = listenerLimits(options)
    // allowHalfOpen: a client that sends its request and half-closes (`nc -N`) still gets its reply.
    const server = options.tls === undefined
      ? Net.createServer({ allowHalfOpen: true, noDelay: true })
      : Tls.createServer({ allowHalfOpen: true, noDelay: true, cert: options.tls.cert, key: options.tls.key, handshakeTimeout: 10_000 })
    /** Every socket, served or not yet, TLS handshakes included: the release destroys what is left. */
    const sockets = new Set<Net.Socket>()
    let served = 0
    let onEmpty: (() => void) | undefined
    // Connections that arrive before a `serve` runs wait here (in `stack`, while other ports are bound).
    const waiting: Array<Net.Socket> = []
    let handler: ((socket: Net.Socket) => void) | undefined

    server.on("connection", (socket: Net.Socket) => {
      // Until its handler takes over, a reset on a waiting socket must not become an uncaught exception.
      socket.on("error", () => {})
      sockets.add(socket)
      socket.once("close", () => {
        sockets.delete(socket)
        if (sockets.size === 0) onEmpty?.()
      })
    })
    server.on(options.tls === undefined ? "connection" : "secureConnection", (socket: Net.Socket) => {
      if (served >= max) {
        // Over the cap: one line saying why, then FIN. Never counted, never handed to a handler.
        socket.end(options.overCapacity ?? "")
        socket.setTimeout(2_000, () => socket.destroy())
        return
      }
      served++
      options.connections?.inc()
      socket.once("close", () => {
        served--
        options.connections?.dec()
      })
      if (handler === undefined) waiting.push(socket)
      else handler(socket)
    })
    server.on("tlsClientError", () => {}) // a failed handshake (a plain client on a TLS port) closes that socket only
    let failed: ((error: TransportError) => void) | undefined
    server.on("error", (cause) => failed?.(new TransportError({ reason: "Listen", address: where, cause })))

    const closed = new Promise<void>((resolve) => server.once("close", () => resolve()))
    const stopAccepting = () => {
      if (server.listening) server.close()
    }
    // The drain's wait, on a plain timer: it runs in an interruption finalizer, where Effect.timeout could not
    // interrupt what it waits for.
    const shutdownMs = Duration.toMillis(shutdownTimeout)
    const allClosedOrShutdownTimeout = Effect.async<void>((resume) => {
      if (sockets.size === 0) return resume(Effect.void)
      const timer = setTimeout(() => resume(Effect.void), shutdownMs)
      onEmpty = () => {
        clearTimeout(timer)
        resume(Effect.void)
      }
    })

    yield* Effect.acquireRelease(
      Effect.async<void, TransportError>((resume) => {
        const onError = (cause: Error) => resume(Effect.fail(new TransportError({ reason: "Listen", address: where, cause })))
        server.once("error", onError)
        server.listen({ host: address.host, port: address.port }, () => {
          server.off("error", onError)
          resume(Effect.void)
        })
      }),
      () =>
        Effect.promise(() => {
          stopAccepting()
          for (const socket of sockets) socket.destroy()
          return closed
        })
    )
    const bound = server.address() as Net.AddressInfo

    /** Runs until interrupted or the server fails; `take` receives every accepted socket, waiting ones first. */
    const acceptWith = (take: (socket: Net.Socket) => void) =>
      Effect.async<never, TransportError>((resume) => {
        failed = (error) => resume(Effect.fail(error))
        handler = take
        for (const socket of waiting.splice(0)) if (!socket.destroyed) take(socket)
        // Interrupted: one that slips in before the port closes is closed at once, not served.
        return Effect.sync(() => {
          handler = (socket) => socket.end()
        })
      })

    return {
      address: { host: bound.address, port: bound.port },

      serve: <E, R>(handle: (connection: Connection) => Effect.Effect<void, E, R>) =>
        Effect.gen(function*() {
          const handlers = yield* FiberSet.make()
          const run = yield* FiberSet.runtime(handlers)<R>()
          return yield* acceptWith((socket) => {
            run(Effect.scoped(Effect.flatMap(fromSocket(socket), handle)).pipe(
              Effect.catchAllCause((cause) =>
                Cause.isInterruptedOnly(cause) ? Effect.void : Effect.logWarning("connection handler failed", cause)),
              Effect.annotateLogs("remote", formatAddress({ host: socket.remoteAddress ?? "?", port: socket.remotePort ?? 0 }))
            ))
          }).pipe(
            // Drain: stop accepting, give the handlers their grace (each closes its socket when done), then the
            // FiberSet's scope interrupts the rest.
            Effect.onInterrupt(() => Effect.sync(stopAccepting).pipe(Effect.andThen(allClosedOrShutdownTimeout)))
          )
        }).pipe(Effect.scoped),

      serveSessions: (open, timeouts) =>
        Effect.gen(function*() {
          const limits = sessionLimits(timeouts)
          const driven = new Map<Net.Socket, DrivenSocket>()
          const encode = lastEncoding()
          // One timer for all the connections (see driveSocket), running only while there are some: an idle
          // listener (a stack has one per user) sets no timer at all. It runs on through the drain below.
          const someOpen = yield* Effect.makeLatch(false)
          const sweep = Effect.sync(() => {
            const now = Date.now()
            for (const socket of driven.values()) socket.sweep(now)
          })
          yield* Effect.forkScoped(Effect.forever(someOpen.whenOpen(Effect.zipRight(sweep, Effect.sleep(sweepPeriodMs(limits))))))
          return yield* acceptWith((socket) => {
            driven.set(socket, driveSocket(socket, open(), limits, encode))
            someOpen.unsafeOpen()
            socket.once("close", () => {
              driven.delete(socket)
              if (driven.size === 0) someOpen.unsafeClose()
            })
          }).pipe(
            // Drain: stop accepting; idle connections end now, requests under way are answered, then they end;
            // after shutdownTimeout the release destroys whatever is left.
            Effect.onInterrupt(() =>
              Effect.logInfo("draining connections").pipe(Effect.annotateLogs({ open: driven.size }), Effect.andThen(() => {
                stopAccepting()
                for (const [socket, session] of driven) if (!socket.destroyed) session.drain()
              }), Effect.andThen(allClosedOrShutdownTimeout))
            )
          )
        }).pipe(Effect.scoped)
    }
  })
