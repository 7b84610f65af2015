import * as Command from "@effect/cli/Command"
import amqp from "amqplib"
import { ConfigError, Console, Effect, Option, Queue, Redacted, Ref, Schedule, Schema } from "effect"
import { runProgram } from "../cli/Program.js"
import { BrokerError } from "../layers/Broker.js"
import { PointEvent } from "../schema/PointEvent.js"
import { BrokerSettings } from "../settings/BrokerSettings.js"
import { PROGRAMS } from "../settings/Programs.js"

// Prints the point-change events of the broker's exchange as they come (docs/EVENTS.md): one line per event,
// or each JSON body with --json true; --user filters. Its own exclusive queue goes with it; it reconnects
// when the broker goes away, and Ctrl-C ends it with exit code 0.

/** `ikhwan +1 → 42 (slot 59874457, 2026-12-02 17:48:30)` */
export const eventLine = (event: PointEvent) => `${event.user} +${event.points} → ${event.total} (slot ${event.slot}, ${event.recorded_at})`

const decodeEvent = Schema.decodeUnknownOption(Schema.parseJson(PointEvent))

const events = Command.make("events", PROGRAMS.events.flags, (settings) =>
  Effect.gen(function*() {
    const broker = yield* Effect.flatMap(BrokerSettings, Option.match({
      onNone: () => Effect.fail(ConfigError.InvalidData(["BROKER_URL"], "is required: the broker whose events to print")),
      onSome: Effect.succeed
    }))
    const bodies = yield* Queue.unbounded<string>()
    const pattern = settings.user === "" ? "points.*" : `points.${settings.user}`
    /** One session: connect, bind an exclusive queue, consume until the connection closes (a failure). */
    const session = Effect.acquireRelease(
      Effect.tryPromise({
        try: async () => {
          const connection = await amqp.connect(Redacted.value(broker.url))
          connection.on("error", () => {})
          const channel = await connection.createChannel()
          // A consumer may start before any server: declaring the exchange is harmless when it exists.
          await channel.assertExchange(broker.exchange, "topic", { durable: true })
          const { queue } = await channel.assertQueue("", { exclusive: true, autoDelete: true })
          await channel.bindQueue(queue, broker.exchange, pattern)
          await channel.consume(queue, (message) => message !== null && Queue.unsafeOffer(bodies, message.content.toString("utf8")), { noAck: true })
          return connection
        },
        catch: (cause) => new BrokerError({ reason: "Connect", cause })
      }),
      (connection) => Effect.promise(() => connection.close().catch(() => undefined))
    ).pipe(
      Effect.tap(() => Effect.logInfo("listening for events").pipe(Effect.annotateLogs({ exchange: broker.exchange, routing: pattern }))),
      Effect.flatMap((connection) =>
        Effect.async<never, BrokerError>((resume) => {
          connection.once("close", () => resume(Effect.fail(new BrokerError({ reason: "Connect", cause: "the connection closed" }))))
        })
      ),
      Effect.scoped
    )
    const warned = yield* Ref.make(false)
    const consuming = session.pipe(
      Effect.tapError((error) =>
        Effect.whenEffect(
          Effect.logWarning("broker away, reconnecting").pipe(Effect.annotateLogs({ error: error.message })),
          Effect.map(Ref.getAndSet(warned, true), (already) => !already)
        )
      ),
      Effect.retry(Schedule.exponential("500 millis", 2).pipe(Schedule.union(Schedule.spaced("10 seconds"))))
    )
    const printing = Queue.take(bodies).pipe(
      Effect.flatMap((body) =>
        settings.json
          ? Console.log(body)
          : Option.match(decodeEvent(body), {
            onNone: () => Effect.logWarning("not a point event").pipe(Effect.annotateLogs({ body })),
            onSome: (event) => Console.log(eventLine(event))
          })
      ),
      Effect.forever
    )
    return yield* Effect.all([consuming, printing], { concurrency: "unbounded", discard: true })
  }))

runProgram(PROGRAMS.events, events)
