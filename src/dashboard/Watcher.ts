import { Context, type DateTime, type Duration, Effect, Schedule, Schema, type Scope, Stream, SubscriptionRef } from "effect"
import { Db } from "../layers/Db.js"
import type { Transport } from "../layers/Transport.js"
import { type HistoryEntry, Snapshot, type ServerStatus, type Stats } from "../schema/DashboardPayloads.js"
import type { RosterEntry } from "../schema/Roster.js"
import type { ScoreRow } from "../schema/ScoreRow.js"
import { type DashboardView, makeView } from "./DashboardView.js"
import { probeServers, unprobed } from "./Probes.js"

export interface WatcherOptions {
  readonly roster: ReadonlyArray<RosterEntry>
  /** Where the roster's servers are probed (`{user}` → the user's name in lower case). */
  readonly probeHost: string
  /** How often the database is read: the dashboard's freshness bound and its whole query rate. */
  readonly refreshInterval: Duration.DurationInput
  readonly probeInterval: Duration.DurationInput
  readonly timeZone: DateTime.TimeZone
}

/** Increments kept in memory for `/api/history` (its largest `limit`). */
export const HISTORY_WINDOW = 1000
/** Increments per user the live page's line chart shows (seed 001: "the last 20 updates"). */
export const CHART_POINTS = 20

/** The newest CHART_POINTS increments of each user, newest first. */
const chartHistory = (history: ReadonlyArray<HistoryEntry>) => {
  const seen = new Map<string, number>()
  return history.filter((entry) => {
    const count = (seen.get(entry.user) ?? 0) + 1
    seen.set(entry.user, count)
    return count <= CHART_POINTS
  })
}

export interface WatcherShape {
  /** The latest view, synchronously: every REST read is answered from it, with no query of its own. */
  readonly current: () => DashboardView
  /** The current view, then each change (what `/api/events` pushes). */
  readonly changes: Stream.Stream<DashboardView>
  /** Reads the database now (after a control write, so the answer and the page show it at once). */
  readonly refreshNow: Effect.Effect<void>
  /** The database poll and the server probes, until interrupted. */
  readonly run: Effect.Effect<never, never, Transport>
}

/**
 * The dashboard's one watcher. Every `refreshInterval` it reads the users and the paused set (and the history
 * only when points changed); every `probeInterval` it probes the servers. Browsers and REST calls read its
 * state, so the database sees the same few queries a second whether one browser is open or a thousand,
 * and live pushes work when the servers run in other processes or containers.
 */
export class Watcher extends Context.Tag("scoreline/dashboard/Watcher")<Watcher, WatcherShape>() {}

const statsOf = (users: ReadonlyArray<ScoreRow>): Stats => {
  const points = users.map((row) => row.points)
  const total = points.reduce((sum, n) => sum + n, 0)
  return {
    total_points: total,
    avg_points: points.length === 0 ? 0 : total / points.length,
    max_points: points.length === 0 ? 0 : Math.max(...points),
    min_points: points.length === 0 ? 0 : Math.min(...points),
    total_users: points.length
  }
}

const encodeSnapshot = Schema.encodeSync(Snapshot)
/** What decides that browsers get a push: everything but the probes' round-trip times and stamps. */
const changeKey = (snapshot: Snapshot) =>
  JSON.stringify([snapshot.users, snapshot.paused, snapshot.history[0], snapshot.servers.map((s) => s.status)])

export const makeWatcher = (options: WatcherOptions): Effect.Effect<WatcherShape, never, Db | Scope.Scope> =>
  Effect.gen(function*() {
    const db = yield* Db
    const lock = yield* Effect.makeSemaphore(1)
    let users: ReadonlyArray<ScoreRow> = []
    let paused: ReadonlyArray<string> = []
    let history: ReadonlyArray<HistoryEntry> = []
    let servers: ReadonlyArray<ServerStatus> = options.roster.map((entry) => unprobed(entry, options.probeHost))
    let version = 0
    let historyStale = true
    let key = ""
    const build = () => {
      const snapshot: Snapshot = { users, stats: statsOf(users), servers, paused, history: chartHistory(history) }
      return { snapshot, key: changeKey(snapshot) }
    }
    const first = build()
    key = first.key
    const ref = yield* SubscriptionRef.make(makeView(version, encodeSnapshot(first.snapshot), history))
    let view = yield* SubscriptionRef.get(ref)
    const publish = Effect.suspend(() => {
      const next = build()
      // Probes' timings ride along with the next real change; an unchanged state is not pushed again.
      view = makeView(next.key === key ? view.version : ++version, encodeSnapshot(next.snapshot), history)
      const changed = next.key !== key
      key = next.key
      return changed ? SubscriptionRef.set(ref, view) : Effect.void
    })

    const readDatabase = Effect.gen(function*() {
      const nextUsers = yield* db.listUsers
      const nextPaused = [...(yield* db.listPaused)].sort()
      // The history is read when points changed, and once more the round after (a server's increment and
      // its ledger row need not land in the same round), so a quiet system costs two queries a round.
      const pointsChanged = JSON.stringify(nextUsers) !== JSON.stringify(users)
      const readHistory = pointsChanged || historyStale
      historyStale = pointsChanged
      if (readHistory) {
        const ticks = yield* db.listHistory({ limit: HISTORY_WINDOW })
        history = ticks.map(({ points, recorded_at, slot, user }) => ({ user, slot, points, recorded_at }))
      }
      users = nextUsers
      paused = nextPaused
      yield* publish
    }).pipe(
      lock.withPermits(1),
      Effect.catchTag("DbError", (error) =>
        Effect.logWarning("dashboard not refreshed: database unavailable").pipe(Effect.annotateLogs({ error: error.message })))
    )
    yield* readDatabase

    const probe = probeServers(options.roster, options.probeHost, options.timeZone).pipe(
      Effect.flatMap((probed) => {
        servers = probed
        return lock.withPermits(1)(publish)
      })
    )
    return {
      current: () => view,
      changes: ref.changes,
      refreshNow: readDatabase,
      run: Effect.all([
        Effect.repeat(readDatabase, Schedule.spaced(options.refreshInterval)),
        Effect.repeat(probe, Schedule.spaced(options.probeInterval))
      ], { concurrency: "unbounded", discard: true }).pipe(Effect.andThen(Effect.never))
    }
  })
