import { Chunk, Context, type DateTime, type Duration, Effect, Ref, Schedule, type Scope, Stream, SubscriptionRef } from "effect"
import { Db } from "../layers/Db.js"
import type { Transport } from "../layers/Transport.js"
import type { RosterEntry } from "../schema/Roster.js"
import type { DashboardView } from "./DashboardView.js"
import { probeServers, unprobed } from "./Probes.js"
import type { DashboardFeedItem } from "./DashboardFeed.js"
import {
  answersWithoutRow,
  HISTORY_WINDOW,
  initialState,
  needsHistory,
  withDatabaseRead,
  type WatcherEvent,
  withEvents,
  withServers,
  type WatcherState
} from "./WatcherState.js"

export { CHART_POINTS, HISTORY_WINDOW } from "./WatcherState.js"

export interface WatcherOptions {
  readonly roster: ReadonlyArray<RosterEntry>
  /** Where the roster's servers are probed (`{user}` → the user's name in lower case). */
  readonly probeHost: string
  /** How often the database is read: the dashboard's freshness bound and its whole query rate. */
  readonly refreshInterval: Duration.DurationInput
  readonly probeInterval: Duration.DurationInput
  readonly timeZone: DateTime.TimeZone
  /**
   * The broker's events (BROKER_URL): then the database is read at start and on each (re)connection, and
   * otherwise the state follows the events. While the broker is away, it is read every refreshInterval.
   */
  readonly events?: Stream.Stream<DashboardFeedItem>
}

/** Events applied to the state (and pushed to browsers) at once: at most this many, or those of 50 ms. */
const EVENT_BATCH = 1000

export interface WatcherShape {
  /** The latest view: every REST read is answered from it, with no query of its own. */
  readonly current: Effect.Effect<DashboardView>
  /** The same view, read synchronously: for the fast path in Node's request callback (FastReads). */
  readonly latest: () => DashboardView
  /** The current view, then each change browsers are told about (what `/api/events` pushes). */
  readonly changes: Stream.Stream<DashboardView>
  /** Reads the database now (after a control write, so the answer and the page show it at once). */
  readonly refreshNow: Effect.Effect<void>
  /** The database poll (or the broker's events) and the server probes, until interrupted. */
  readonly run: Effect.Effect<never, never, Transport>
  /** Rounds of database reads so far (scoreline_dashboard_database_reads_total). */
  readonly reads: () => number
}

/**
 * The dashboard's one watcher. Every `refreshInterval` it reads the users with their pause flags in one
 * statement (and the history only when points changed); every `probeInterval` it probes the servers. Browsers and REST calls read its
 * state, so the database sees the same few queries a second whether one browser is open or a thousand,
 * and live pushes work when the servers run in other processes or containers. With the broker's events it
 * reads the database only when it (re)connects to the broker, or falls back to polling while the broker is away.
 */
export class Watcher extends Context.Tag("scoreline/dashboard/Watcher")<Watcher, WatcherShape>() {}

export const makeWatcher = (options: WatcherOptions): Effect.Effect<WatcherShape, never, Db | Scope.Scope> =>
  Effect.gen(function*() {
    const db = yield* Db
    const initial = initialState(options.roster.map((entry) => unprobed(entry, options.probeHost)))
    const state = yield* SubscriptionRef.make(initial)
    // Kept beside the ref, set inside each update (under its lock), so a plain read sees what `current` sees.
    let latest = initial.view
    const committed = (next: WatcherState) => {
      latest = next.view
      return next
    }

    let reads = 0
    // The reads happen inside the update, so a probe's result, a batch of events and a round of reads never
    // overwrite each other. True when the database answered.
    const readDatabase = (forceHistory: boolean) =>
      SubscriptionRef.updateEffect(state, (current) =>
        Effect.gen(function*() {
          reads++
          // The rows and the pauses in one statement: the watcher's whole load on a quiet system.
          const snapshots = yield* db.listSnapshots
          const users = snapshots.map((snapshot) => snapshot.row)
          const paused = snapshots.filter((snapshot) => snapshot.paused).map((snapshot) => snapshot.row.user)
          const history = forceHistory || needsHistory(current, users)
            ? (yield* db.listHistory({ limit: HISTORY_WINDOW })).map(({ points, recorded_at, slot, user }) => ({ user, slot, points, recorded_at }))
            : undefined
          return committed(withDatabaseRead(current, history === undefined ? { users, paused } : { users, paused, history }))
        })).pipe(
          Effect.as(true),
          Effect.catchTag("DbError", (error) =>
            Effect.logWarning("dashboard not refreshed: database unavailable").pipe(Effect.annotateLogs({ error: error.message }), Effect.as(false)))
        )
    yield* readDatabase(false)

    // "polling" without a broker, or while it is away; "starting" (polling too) until the broker first answers
    // or is first found away; "connecting" until the first read after a (re)connection has succeeded;
    // "following" from then on: the events keep the state, and the poll stands aside.
    const mode = yield* Ref.make<"polling" | "starting" | "connecting" | "following">(options.events === undefined ? "polling" : "starting")
    const settle = (forceHistory: boolean) =>
      Effect.flatMap(readDatabase(forceHistory), (read) =>
        read ? Ref.update(mode, (now) => (now === "connecting" ? "following" : now)) : Effect.void)
    const poll = Effect.flatMap(Ref.get(mode), (now) => (now === "following" ? Effect.void : settle(now === "connecting")))
    const apply = (events: ReadonlyArray<WatcherEvent>) =>
      events.length === 0 ? Effect.void : Effect.flatMap(
        SubscriptionRef.modify(state, (current) => {
          const applied = withEvents(current, events)
          return [applied.readDatabase, committed(applied.state)] as const
        }),
        (unsure) => (unsure ? readDatabase(true) : Effect.void)
      )
    const follow = (batch: ReadonlyArray<DashboardFeedItem>) =>
      Effect.gen(function*() {
        let pending: Array<WatcherEvent> = []
        for (const item of batch) {
          if (item._tag === "Point" || item._tag === "Control") {
            pending.push(item)
            continue
          }
          yield* apply(pending)
          pending = []
          if (item._tag === "Connected") {
            yield* Ref.set(mode, "connecting")
            yield* Effect.logInfo("dashboard follows the broker's events")
            // What was published while no queue was bound is in the database: read it, history and all.
            yield* settle(true)
          } else if ((yield* Ref.getAndSet(mode, "polling")) !== "polling") {
            // Said once per outage (and once when the broker is not there at start), not once a retry.
            yield* Effect.logWarning("broker away: the dashboard reads the database every REFRESH_INTERVAL until it is back").pipe(
              Effect.annotateLogs({ error: item.error.message })
            )
          }
        }
        yield* apply(pending)
      })
    const following = options.events === undefined
      ? Effect.void
      : options.events.pipe(Stream.groupedWithin(EVENT_BATCH, "50 millis"), Stream.runForEach((chunk) => follow(Chunk.toReadonlyArray(chunk))))

    // Following the events, nothing else brings a new user's row before its first interval: its server answering
    // a probe is the sign to read. Polling reads soon anyway.
    const readIfFollowing = Effect.flatMap(Ref.get(mode), (now) => (now === "following" ? Effect.asVoid(readDatabase(false)) : Effect.void))
    const probe = probeServers(options.roster, options.probeHost, options.timeZone).pipe(
      Effect.flatMap((servers) =>
        SubscriptionRef.modify(state, (current) => [answersWithoutRow(current, servers), committed(withServers(current, servers))] as const)),
      Effect.flatMap((unread) => (unread ? readIfFollowing : Effect.void))
    )
    return {
      current: Effect.map(SubscriptionRef.get(state), (current) => current.view),
      latest: () => latest,
      changes: state.changes.pipe(
        Stream.map((current) => current.view),
        Stream.changesWith((a, b) => a.version === b.version)
      ),
      refreshNow: Effect.asVoid(readDatabase(false)),
      reads: () => reads,
      run: Effect.all([
        // After the first interval: makeWatcher has just read the database.
        Effect.schedule(poll, Schedule.spaced(options.refreshInterval)),
        following,
        Effect.repeat(probe, Schedule.spaced(options.probeInterval))
      ], { concurrency: "unbounded", discard: true }).pipe(Effect.andThen(Effect.never))
    }
  })
