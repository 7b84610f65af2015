import { Context, type DateTime, type Duration, Effect, Schedule, type Scope, Stream, SubscriptionRef } from "effect"
import { Db } from "../layers/Db.js"
import type { Transport } from "../layers/Transport.js"
import type { RosterEntry } from "../schema/Roster.js"
import type { DashboardView } from "./DashboardView.js"
import { probeServers, unprobed } from "./Probes.js"
import { HISTORY_WINDOW, initialState, needsHistory, withDatabaseRead, withServers, type WatcherState } from "./WatcherState.js"

export { CHART_POINTS, HISTORY_WINDOW } from "./WatcherState.js"

export interface WatcherOptions {
  readonly roster: ReadonlyArray<RosterEntry>
  /** Where the roster's servers are probed (`{user}` → the user's name in lower case). */
  readonly probeHost: string
  /** How often the database is read: the dashboard's freshness bound and its whole query rate. */
  readonly refreshInterval: Duration.DurationInput
  readonly probeInterval: Duration.DurationInput
  readonly timeZone: DateTime.TimeZone
}

export interface WatcherShape {
  /** The latest view: every REST read is answered from it, with no query of its own. */
  readonly current: Effect.Effect<DashboardView>
  /** The same view, read synchronously: for the fast path in Node's request callback (FastReads). */
  readonly latest: () => DashboardView
  /** The current view, then each change browsers are told about (what `/api/events` pushes). */
  readonly changes: Stream.Stream<DashboardView>
  /** Reads the database now (after a control write, so the answer and the page show it at once). */
  readonly refreshNow: Effect.Effect<void>
  /** The database poll and the server probes, until interrupted. */
  readonly run: Effect.Effect<never, never, Transport>
}

/**
 * The dashboard's one watcher. Every `refreshInterval` it reads the users with their pause flags in one
 * statement (and the history only when points changed); every `probeInterval` it probes the servers. Browsers and REST calls read its
 * state, so the database sees the same few queries a second whether one browser is open or a thousand,
 * and live pushes work when the servers run in other processes or containers.
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

    // The reads happen inside the update, so a probe's result and a round of reads never overwrite each other.
    const readDatabase = SubscriptionRef.updateEffect(state, (current) =>
      Effect.gen(function*() {
        // The rows and the pauses in one statement: the watcher's whole load on a quiet system.
        const snapshots = yield* db.listSnapshots
        const users = snapshots.map((snapshot) => snapshot.row)
        const paused = snapshots.filter((snapshot) => snapshot.paused).map((snapshot) => snapshot.row.user)
        const history = needsHistory(current, users)
          ? (yield* db.listHistory({ limit: HISTORY_WINDOW })).map(({ points, recorded_at, slot, user }) => ({ user, slot, points, recorded_at }))
          : undefined
        return committed(withDatabaseRead(current, history === undefined ? { users, paused } : { users, paused, history }))
      })).pipe(
        Effect.catchTag("DbError", (error) =>
          Effect.logWarning("dashboard not refreshed: database unavailable").pipe(Effect.annotateLogs({ error: error.message })))
      )
    yield* readDatabase

    const probe = Effect.flatMap(
      probeServers(options.roster, options.probeHost, options.timeZone),
      (servers) => SubscriptionRef.update(state, (current) => committed(withServers(current, servers)))
    )
    return {
      current: Effect.map(SubscriptionRef.get(state), (current) => current.view),
      latest: () => latest,
      changes: state.changes.pipe(
        Stream.map((current) => current.view),
        Stream.changesWith((a, b) => a.version === b.version)
      ),
      refreshNow: readDatabase,
      run: Effect.all([
        Effect.repeat(readDatabase, Schedule.spaced(options.refreshInterval)),
        Effect.repeat(probe, Schedule.spaced(options.probeInterval))
      ], { concurrency: "unbounded", discard: true }).pipe(Effect.andThen(Effect.never))
    }
  })
