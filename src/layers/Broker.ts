import type * as amqp from "amqplib"
import { Context, Data, Duration, Effect, Option, Redacted } from "effect"
import type { BrokerConfig } from "../settings/BrokerSettings.js"

/** Why the broker did not take a batch: it could not be reached (or refused us), or it did not confirm. */
export class BrokerError extends Data.TaggedError("BrokerError")<{
  readonly reason: "Connect" | "Publish"
  readonly cause: unknown
}> {
  override get message() {
    const detail = this.cause instanceof Error ? this.cause.message : String(this.cause)
    return this.reason === "Connect" ? `cannot reach the broker: ${detail}` : `the broker did not confirm: ${detail}`
  }
  /** The broker answered and refused the credentials (not a broker that is away). */
  get refused(): boolean {
    return /ACCESS_REFUSED|403/.test(this.message)
  }
}

/** One message for the exchange: its routing key, its id (the same on every retry) and its JSON body. */
export interface OutgoingMessage {
  readonly routingKey: string
  readonly messageId: string
  readonly body: string
}

export interface BrokerShape {
  /** The topic exchange it publishes to. */
  readonly exchange: string
  /**
   * Publishes the messages to the exchange (persistent, application/json) on a confirm channel, and succeeds
   * once the broker has confirmed every one of them. Connects (and declares the exchange) on first use and
   * again after the connection was lost; a failure leaves nothing half-open.
   */
  readonly publish: (messages: ReadonlyArray<OutgoingMessage>) => Effect.Effect<void, BrokerError>
}

/** How long a batch may wait for the broker's confirms before it counts as failed (and stays owed). */
const CONFIRM_TIMEOUT = Duration.seconds(10)

interface Session {
  readonly connection: amqp.ChannelModel
  readonly channel: amqp.ConfirmChannel
}

/**
 * amqplib's connect, with amqplib loaded on the first connection: a program without a broker (the default)
 * never loads it, which keeps its start-up and memory down (docs/BENCHMARKS.md).
 */
export const connectAmqp: typeof amqp.connect = (url, options) =>
  // A CommonJS package whose exports Node's loader does not list by name: `default` is its module.exports.
  import("amqplib").then((module) => module.default.connect(url, options))

/** How long a TCP connection to the broker may take. */
export const CONNECT_TIMEOUT_MS = 10_000
/** How long closing may wait for the broker's close-ok: a broker going away must not hold up a shutdown. */
const CLOSE_TIMEOUT = Duration.seconds(2)

/**
 * Closes a connection, whatever state it is in, within CLOSE_TIMEOUT. Interruptible, because it runs in
 * finalizers: there a timeout cannot cut an uninterruptible wait, and a broker that stops answering mid-close
 * (one shutting down) would hold the program's stop until Compose kills it.
 */
export const closeConnection = (connection: amqp.ChannelModel) =>
  Effect.interruptible(Effect.promise(() => connection.close().catch(() => undefined))).pipe(Effect.timeout(CLOSE_TIMEOUT), Effect.ignore)

const closeQuietly = (session: Session) => closeConnection(session.connection)

const make = (config: BrokerConfig) =>
  Effect.gen(function*() {
    // amqplib (the ecosystem's client) does the protocol; this keeps one connection and one confirm channel.
    let current: Session | undefined
    const lock = yield* Effect.makeSemaphore(1)
    const connect = Effect.tryPromise({
      try: async (signal): Promise<Session> => {
        const connection = await connectAmqp(Redacted.value(config.url), { timeout: CONNECT_TIMEOUT_MS })
        // Errors also arrive as 'close'; without a listener an 'error' event would throw in the process.
        connection.on("error", () => {})
        const channel = await connection.createConfirmChannel()
        channel.on("error", () => {})
        await channel.assertExchange(config.exchange, "topic", { durable: true })
        // Interrupted meanwhile (a stopping program): nobody will use or close it.
        if (signal.aborted) {
          await connection.close().catch(() => undefined)
          throw new Error("interrupted")
        }
        const session = { connection, channel }
        connection.on("close", () => {
          if (current === session) current = undefined
        })
        return session
      },
      catch: (cause) => new BrokerError({ reason: "Connect", cause })
    })
    const send = (session: Session, messages: ReadonlyArray<OutgoingMessage>) =>
      Effect.tryPromise({
        try: () => {
          for (const message of messages) {
            session.channel.publish(config.exchange, message.routingKey, Buffer.from(message.body), {
              contentType: "application/json",
              persistent: true,
              messageId: message.messageId
            })
          }
          return session.channel.waitForConfirms()
        },
        catch: (cause) => new BrokerError({ reason: "Publish", cause })
      }).pipe(
        Effect.timeoutFail({ duration: CONFIRM_TIMEOUT, onTimeout: () => new BrokerError({ reason: "Publish", cause: "no confirm within 10 s" }) })
      )
    const publish = (messages: ReadonlyArray<OutgoingMessage>) =>
      messages.length === 0 ? Effect.void : lock.withPermits(1)(
        Effect.gen(function*() {
          const session = current ?? (current = yield* connect)
          yield* send(session, messages).pipe(
            // A connection that failed a batch is not trusted with the next one.
            Effect.tapError(() => Effect.suspend(() => {
              if (current === session) current = undefined
              return closeQuietly(session)
            }))
          )
        })
      )
    yield* Effect.addFinalizer(() => Effect.suspend(() => (current === undefined ? Effect.void : closeQuietly(current))))
    return { exchange: config.exchange, publish } satisfies BrokerShape
  })

/**
 * The broker for the caller's scope when one is configured: the one connection for everything a process
 * publishes (its outbox and its control events). It connects on first use, so building it costs nothing.
 */
export const optionalBroker = (config: Option.Option<BrokerConfig>) =>
  Option.match(config, { onNone: () => Effect.succeedNone, onSome: (config) => Effect.asSome(make(config)) })

/** The publisher a process's outbox uses (built by optionalBroker, in the program's scope). */
export class Broker extends Context.Tag("scoreline/Broker")<Broker, BrokerShape>() {}
