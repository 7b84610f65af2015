import { Deferred, Effect, Exit, Queue, Redacted, Schedule, Stream } from "effect"
import type { BrokerConfig } from "../settings/BrokerSettings.js"
import { BrokerError, closeConnection, CONNECT_TIMEOUT_MS, connectAmqp } from "./Broker.js"

/** What a subscription yields: a connection made, a connection lost (or not made), or one message. */
export type FeedItem =
  | { readonly _tag: "Connected" }
  | { readonly _tag: "Disconnected"; readonly error: BrokerError }
  | { readonly _tag: "Message"; readonly routingKey: string; readonly body: string }

/** Half a second, doubling, at most ten seconds apart; from the start again after a connection that lived. */
const RECONNECT = Schedule.exponential("500 millis", 2).pipe(Schedule.union(Schedule.spaced("10 seconds")))

const CONNECTED: FeedItem = { _tag: "Connected" }


/**
 * The exchange's messages whose routing keys match `patterns`, for as long as the stream runs. Each connection
 * binds an exclusive queue of its own, which goes with it: what was published while it was away is not
 * delivered, so `Connected` comes before a connection's first message, for the consumer to read what it
 * missed. A connection that fails or is lost is reported and made again, with backoff.
 */
export const subscribe = (config: BrokerConfig, patterns: ReadonlyArray<string>): Stream.Stream<FeedItem> =>
  Stream.unwrapScoped(Effect.gen(function*() {
    const items = yield* Queue.unbounded<FeedItem>()
    /** One connection: fails if it cannot be made; succeeds with the reason once a working one is lost. */
    const session = Effect.gen(function*() {
      const closed = yield* Deferred.make<BrokerError>()
      // Interruptible while it connects (acquireRelease's acquire is not): a broker that accepts and never
      // answers must not hold up a program's shutdown. A connection made after the interruption is closed.
      const connect = Effect.tryPromise({
        try: async (signal) => {
          const connection = await connectAmqp(Redacted.value(config.url), { timeout: CONNECT_TIMEOUT_MS })
          // Errors also arrive as 'close'; without a listener an 'error' event would throw in the process.
          connection.on("error", () => {})
          connection.once("close", () =>
            Deferred.unsafeDone(closed, Exit.succeed(new BrokerError({ reason: "Connect", cause: "the connection closed" }))))
          try {
            const channel = await connection.createChannel()
            // A consumer may start before any publisher: declaring the exchange is harmless when it exists.
            await channel.assertExchange(config.exchange, "topic", { durable: true })
            const { queue } = await channel.assertQueue("", { exclusive: true, autoDelete: true })
            for (const pattern of patterns) await channel.bindQueue(queue, config.exchange, pattern)
            if (signal.aborted) throw new Error("interrupted")
            Queue.unsafeOffer(items, CONNECTED)
            await channel.consume(queue, (message) => {
              if (message !== null) {
                Queue.unsafeOffer(items, { _tag: "Message", routingKey: message.fields.routingKey, body: message.content.toString("utf8") })
              }
            }, { noAck: true })
            return connection
          } catch (error) {
            await connection.close().catch(() => undefined)
            throw error
          }
        },
        catch: (cause) => new BrokerError({ reason: "Connect", cause })
      })
      yield* Effect.acquireRelease(Effect.interruptible(connect), closeConnection)
      return yield* Deferred.await(closed)
    }).pipe(Effect.scoped)
    const lost = (error: BrokerError) => Queue.offer(items, { _tag: "Disconnected", error })
    yield* session.pipe(
      Effect.tapError(lost),
      Effect.retry(RECONNECT),
      Effect.flatMap(lost),
      Effect.forever,
      Effect.forkScoped
    )
    return Stream.fromQueue(items)
  }))
