import { DateTime, type Duration, Effect, Either, Option, type Scope } from "effect"
import { decodeMessage, receipt, refusalReply } from "../schema/MessageProtocol.js"
import { zoneName } from "../schema/Timestamp.js"
import { type Address, type Connection, formatAddress, Transport, type TransportError } from "../layers/Transport.js"

export interface MessageServerOptions {
  readonly host: string
  readonly port: number
  /** The zone of the receipt's wall-clock time. */
  readonly timeZone: DateTime.TimeZone
  /** A client that connects and sends nothing for this long is closed. */
  readonly idleTimeout: Duration.DurationInput
}

/**
 * One exchange per connection, as seed 004's server does: the first chunk is the message (its clients send no
 * terminator and wait, so we cannot wait for a newline), one reply with no terminator, then we close. A client
 * that closes without sending gets no reply; a refused message gets an `ERROR …` reply, and only this
 * connection ends.
 */
export const answerMessage = (options: Pick<MessageServerOptions, "timeZone" | "idleTimeout">) => (connection: Connection) =>
  Effect.gen(function*() {
    yield* Effect.logInfo("connection opened")
    const first = yield* Effect.timeoutOption(connection.read, options.idleTimeout)
    if (Option.isNone(first)) {
      yield* Effect.logInfo("no message in time, closing")
    } else if (Option.isNone(first.value)) {
      yield* Effect.logInfo("client closed without a message, no reply")
    } else {
      const message = decodeMessage(first.value.value)
      if (Either.isLeft(message)) {
        const reply = refusalReply(message.left)
        yield* Effect.logWarning("message refused").pipe(Effect.annotateLogs({ reply }))
        yield* connection.write(reply)
      } else {
        yield* Effect.logInfo("message received").pipe(Effect.annotateLogs({ message: message.right }))
        const reply = receipt(message.right, yield* DateTime.now, options.timeZone)
        yield* connection.write(reply)
        yield* Effect.logInfo("reply sent").pipe(Effect.annotateLogs({ reply }))
      }
    }
    yield* connection.end
    yield* Effect.logInfo("connection closed")
  }).pipe(Effect.annotateLogs({ remote: connection.remote }))

export interface BoundMessageServer {
  readonly address: Address
  /** The accept loop, until interrupted. */
  readonly run: Effect.Effect<never, TransportError>
}

/** Binds the message server's socket in the caller's scope. */
export const bindMessageServer = (
  options: MessageServerOptions
): Effect.Effect<BoundMessageServer, TransportError, Transport | Scope.Scope> =>
  Effect.gen(function*() {
    const transport = yield* Transport
    const listener = yield* transport.listenStream({ host: options.host, port: options.port })
    yield* Effect.logInfo("message server listening").pipe(
      Effect.annotateLogs({ address: formatAddress(listener.address), timeZone: zoneName(options.timeZone) })
    )
    return { address: listener.address, run: listener.serve(answerMessage(options)) }
  })

/** A message server until interrupted; its socket closes with the scope. */
export const serveMessages = (options: MessageServerOptions) =>
  Effect.scoped(Effect.flatMap(bindMessageServer(options), (server) => server.run))
