import { Config, Deferred, Duration, Effect, Either, Exit, Fiber, Option, Ref, Schedule, Schema } from "effect"
import * as Prom from "prom-client"
import { Broker, type BrokerError, type BrokerShape, type OutgoingMessage } from "../layers/Broker.js"
import { Db, type DbConfig, type DbError } from "../layers/Db.js"
import { BrokerSettings } from "../settings/BrokerSettings.js"
import { Metrics } from "../layers/Metrics.js"
import { eventMessageId, PointEvent } from "../schema/PointEvent.js"

/** How often a process reads its outbox, and how many owed events one read takes. */
export const OUTBOX_INTERVAL = Duration.seconds(1)
export const OUTBOX_BATCH = 500
/** How long a stopping process tries to publish what it still owes. */
export const FINAL_DRAIN = Duration.seconds(2)

const once = <M extends Prom.Metric>(registry: Prom.Registry, name: string, make: () => M): M =>
  (registry.getSingleMetric(name) as M | undefined) ?? make()

/** The event counters, exported at 0 from the moment a process publishes. */
const eventMetrics = (registry: Prom.Registry) => {
  const registers = [registry]
  return {
    published: once(registry, "scoreline_events_published_total", () =>
      new Prom.Counter({ name: "scoreline_events_published_total", help: "Point-change events sent to the broker.", registers })),
    confirmed: once(registry, "scoreline_events_confirmed_total", () =>
      new Prom.Counter({ name: "scoreline_events_confirmed_total", help: "Events the broker confirmed (and the outbox cleared).", registers })),
    owed: once(registry, "scoreline_events_owed", () =>
      new Prom.Gauge({ name: "scoreline_events_owed", help: "Events this process's users still owe, as its last outbox read found them (at most one batch).", registers })),
    errors: once(registry, "scoreline_events_publish_errors_total", () =>
      new Prom.Counter({ name: "scoreline_events_publish_errors_total", help: "Failed attempts to publish events (broker away, no confirm, a body that would not encode).", registers }))
  }
}

const encodeEvent = Schema.encodeEither(PointEvent)

/**
 * The outbox publisher, one per process: every OUTBOX_INTERVAL it reads the events its users' intervals still
 * owe (one query, oldest first, by user and slot), publishes them with publisher confirms, and clears them
 * once confirmed (one statement). Whatever is not confirmed stays owed and goes out in a later round, from
 * this process or from any other replica of the user: the ledger is the outbox, so a broker outage or a crash
 * between commit and confirm loses no event. A consumer may see an event twice (a confirm lost in a crash),
 * never zero times. No request waits on any of this.
 */
export const publishOwedEvents = (users: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    const db = yield* Db
    const broker = yield* Broker
    const metrics = eventMetrics((yield* Metrics).registry)
    const outage = yield* Ref.make(false)

    /** One read and publish; how many events were owed (a full batch means: read again at once). */
    const round: Effect.Effect<number, BrokerError | DbError> = Effect.gen(function*() {
      const owed = yield* db.owedEvents(users, OUTBOX_BATCH)
      metrics.owed.set(owed.length)
      if (owed.length === 0) return 0
      const messages: Array<OutgoingMessage> = []
      const sendable: Array<PointEvent> = []
      for (const event of owed) {
        const body = encodeEvent(event)
        if (Either.isLeft(body)) {
          // Never dropped in silence: it stays owed, is counted, and says why.
          metrics.errors.inc()
          yield* Effect.logError("event not encodable: it stays owed").pipe(Effect.annotateLogs({ user: event.user, slot: event.slot, error: body.left.message }))
          continue
        }
        messages.push({ routingKey: `points.${event.user}`, messageId: eventMessageId(event), body: JSON.stringify(body.right) })
        sendable.push(event)
      }
      metrics.published.inc(messages.length)
      yield* broker.publish(messages)
      yield* db.eventsSent(sendable)
      metrics.confirmed.inc(sendable.length)
      return owed.length
    })

    const drain = round.pipe(Effect.repeat({ while: (owed) => owed >= OUTBOX_BATCH }))
    const guarded = drain.pipe(
      Effect.tapError((error) =>
        Effect.zipRight(
          Effect.sync(() => error._tag === "BrokerError" && metrics.errors.inc()),
          // Said once per outage, not once a retry.
          Effect.whenEffect(
            error._tag === "BrokerError" && error.refused
              ? Effect.logError("the broker refused the credentials in BROKER_URL; events stay owed, retrying").pipe(Effect.annotateLogs({ error: error.message }))
              : Effect.logWarning("events not published yet: they stay owed until the broker is back").pipe(Effect.annotateLogs({ error: error.message })),
            Effect.map(Ref.getAndSet(outage, true), (already) => !already)
          )
        )
      ),
      Effect.retry(Schedule.exponential("500 millis", 2).pipe(Schedule.union(Schedule.spaced("15 seconds")))),
      Effect.zipLeft(Effect.whenEffect(Effect.logInfo("events flowing: the broker confirms"), Ref.getAndSet(outage, false)))
    )
    return yield* guarded.pipe(
      Effect.repeat(Schedule.spaced(OUTBOX_INTERVAL)),
      Effect.andThen(Effect.never),
      // A stopping server publishes what it still owes, if the broker confirms within FINAL_DRAIN; what it
      // cannot stays owed for its next start or another replica. Interruptible inside the finalizer, or the
      // timeout could not cut a connection attempt to a broker that never answers.
      Effect.ensuring(Effect.interruptible(drain).pipe(Effect.timeout(FINAL_DRAIN), Effect.ignore))
    )
  })

/**
 * A program's events: nothing without a broker (the default); with one (optionalBroker, in the program's
 * scope), the outbox publisher for `users`. An unreachable broker at start is a warning, not a failure: the
 * servers serve, and the events wait in the outbox.
 */
export const runEvents = (broker: Option.Option<BrokerShape>, users: ReadonlyArray<string>) =>
  Option.match(broker, {
    onNone: () => Effect.never,
    onSome: (broker) =>
      Effect.logInfo("publishing events").pipe(
        Effect.annotateLogs({ exchange: broker.exchange, users: users.length }),
        Effect.zipRight(publishOwedEvents(users)),
        Effect.provideService(Broker, broker)
      )
  })

/**
 * `serving` and a program's `events` side by side, stopped in order: on interruption the servers (and their
 * tickers) stop first, then the outbox drains. Stopped together, a tick could claim a slot after the final
 * drain's read, and that event would wait for the user's next start. A failure of either stops both.
 */
export const servingThenDraining = <A, E, R, E2, R2>(serving: Effect.Effect<A, E, R>, events: Effect.Effect<never, E2, R2>) =>
  Effect.gen(function*() {
    const stopped = yield* Deferred.make<void>()
    const outbox = Effect.scoped(
      Effect.gen(function*() {
        const fiber = yield* Effect.forkScoped(events)
        // Added after the fork, so it runs before the fork's interruption: an interrupted program's outbox
        // waits for the servers. Not when the outbox itself failed: then the servers are stopped after it.
        yield* Effect.addFinalizer((exit) => Exit.isInterrupted(exit) ? Deferred.await(stopped) : Effect.void)
        return yield* Fiber.join(fiber)
      })
    )
    return yield* Effect.all([serving.pipe(Effect.ensuring(Deferred.succeed(stopped, undefined))), outbox], { concurrency: "unbounded", discard: true })
  })

/** The database settings with the outbox on when the program publishes events (claims then owe them). */
export const withOutbox = (db: Config.Config<DbConfig>) =>
  Config.zipWith(db, BrokerSettings, (settings, broker): DbConfig => ({ ...settings, outbox: Option.isSome(broker) }))
