import { Array as Arr, Clock, Duration, Effect, Option, Schedule, Stream } from "effect"
import { Db } from "../layers/Db.js"
import { Metrics } from "../layers/Metrics.js"
import { type Slot, Ticker } from "../layers/Ticker.js"
import type { PointsState, WriteOutcome } from "./PointsState.js"

/** What one write did, in the logs and the counters (`pointsAdded`, `dbErrors{operation}`). */
const report = (state: PointsState, pointsPerTick: number, operation: "tick" | "refresh", slot?: Slot) => (outcome: WriteOutcome) =>
  Effect.flatMap(Effect.zip(Metrics, Clock.currentTimeMillis), ([metrics, now]) => {
    if (outcome._tag === "Owed") {
      metrics.dbErrors.inc({ operation })
      // A refresh retries every REFRESH_INTERVAL during an outage: the tick's warning is enough.
      return operation === "tick"
        ? Effect.logWarning("point not added yet: owed until the database is back").pipe(
          Effect.annotateLogs({ slot, owed: outcome.owed, error: outcome.error.message })
        )
        : Effect.logDebug("owed points not added yet").pipe(Effect.annotateLogs({ owed: outcome.owed, error: outcome.error.message }))
    }
    const points = outcome.claimed * pointsPerTick
    if (points > 0) metrics.pointsAdded.inc({ user: state.user }, points)
    if (operation === "tick") metrics.userUpdates.ticked(state.user, outcome.paused, points > 0 ? now : undefined)
    if (outcome.claimed === 0) {
      return Effect.logDebug(outcome.paused ? "tick skipped: updates paused" : "slot already counted (another replica)").pipe(
        Effect.annotateLogs({ slot })
      )
    }
    return outcome.tried === 1
      ? Effect.logInfo("point added").pipe(Effect.annotateLogs({ slot, points }))
      : Effect.logInfo("points added, outage caught up").pipe(Effect.annotateLogs({ slot, slots: outcome.claimed, points }))
  })

/**
 * The update fiber: at each interval boundary, claim that slot for the user in the ledger (exactly once across
 * replicas). If this fiber missed boundaries (a write that hung longer than an interval), the slots in the
 * gap are claimed with it, up to `maxOwed`. A slot whose write fails is owed, and claimed by the next write
 * that succeeds: the next tick, or the refresh fiber's catch-up as soon as the database answers again.
 */
export const updatePoints = (state: PointsState, options: { readonly pointsPerTick: number; readonly maxOwed: number }) =>
  Effect.gen(function*() {
    const ticker = yield* Ticker
    const metrics = yield* Metrics
    // The user's series exported before its first point, so increase() sees the first one.
    metrics.pointsAdded.inc({ user: state.user }, 0)
    metrics.userUpdates.started(state.user, Duration.toSeconds(ticker.interval), yield* Clock.currentTimeMillis)
    let last = Option.none<Slot>()
    yield* Stream.runForEach(ticker.ticks, (slot) => {
      const gap = Option.match(last, {
        onNone: () => [slot],
        onSome: (previous) => slot > previous ? Arr.range(Math.max(previous + 1, slot - options.maxOwed + 1), slot) : [slot]
      })
      last = Option.some(slot)
      return Effect.flatMap(state.claim(gap), report(state, options.pointsPerTick, "tick", slot))
    })
  })

/** A server as its process's shared fibers see it: its state, and what one of its intervals adds. */
export interface RefreshedServer {
  readonly state: PointsState
  readonly pointsPerTick: number
}

/**
 * One refresh of every server of a process: servers that owe slots claim them (the catch-up, one claim
 * each); the others are read back together, one query per SNAPSHOT_CHUNK users, so a stack of 1,000
 * servers costs the database two statements per round, not 1,000.
 */
const refreshRound = (servers: ReadonlyArray<RefreshedServer>) =>
  Effect.gen(function*() {
    const db = yield* Db
    const metrics = yield* Metrics
    const views = yield* Effect.forEach(servers, (server) => server.state.get)
    const owing = servers.filter((_, i) => views[i]!.owed.length > 0)
    const reading = servers.flatMap((server, i) => (views[i]!.owed.length > 0 ? [] : [{ server, revision: views[i]!.revision }]))
    yield* Effect.forEach(owing, (server) => Effect.flatMap(server.state.claim([]), report(server.state, server.pointsPerTick, "refresh")), { discard: true })
    if (reading.length === 0) return
    yield* db.findSnapshots(reading.map(({ server }) => server.state.user)).pipe(
      Effect.flatMap((snapshots) =>
        Effect.forEach(reading, ({ revision, server }) => server.state.applySnapshot(Option.fromNullable(snapshots.get(server.state.user)), revision), { discard: true })
      ),
      Effect.catchTag("DbError", (error) => {
        metrics.dbErrors.inc({ operation: "refresh" })
        return Effect.logDebug("state not refreshed: database unavailable").pipe(Effect.annotateLogs({ error: error.message }))
      })
    )
  })

/**
 * The refresh fiber, one per process: every `interval`, one bounded round (above), so that other replicas'
 * points, resets, admin edits and pauses reach every server's answers within `interval`, whatever the
 * request rate and whatever the number of servers.
 */
export const refreshPoints = (servers: ReadonlyArray<RefreshedServer>, options: { readonly interval: Duration.DurationInput }) =>
  refreshRound(servers).pipe(
    Effect.schedule(Schedule.spaced(options.interval)),
    Effect.andThen(Effect.never)
  )

/** How often a process prunes the ledger: one bounded DELETE per period. */
export const PRUNE_EVERY: Duration.DurationInput = "1 minute"

/**
 * Deletes ledger rows older than `retention` (HISTORY_RETENTION), oldest first, at most `limit` a period:
 * every process prunes (any user's rows), so the deletions keep pace with the inserts as long as each
 * process's `limit` exceeds the rows its servers add in a period.
 */
export const pruneLedger = (options: { readonly retention: Duration.DurationInput; readonly limit: number }) =>
  Effect.gen(function*() {
    const db = yield* Db
    const metrics = yield* Metrics
    const prune = db.pruneHistory({ olderThan: options.retention, limit: options.limit }).pipe(
      Effect.flatMap((deleted) => deleted > 0 ? Effect.logDebug("history pruned").pipe(Effect.annotateLogs({ deleted })) : Effect.void),
      Effect.catchTag("DbError", (error) => {
        metrics.dbErrors.inc({ operation: "prune" })
        return Effect.logDebug("history not pruned: database unavailable").pipe(Effect.annotateLogs({ error: error.message }))
      })
    )
    return yield* Effect.schedule(prune, Schedule.spaced(PRUNE_EVERY)).pipe(Effect.andThen(Effect.never))
  })
