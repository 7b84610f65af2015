import { Effect, Option, Schedule, type Scope, Stream, SubscriptionRef } from "effect"
import { type Dialect, encodeError, encodeReply } from "../schema/PointsProtocol.js"
import type { ScoreRow } from "../schema/ScoreRow.js"
import { Db, type DbError } from "../layers/Db.js"

/** What a points server knows of its user's row, held in memory so that requests never touch the database. */
export interface PointsView {
  /** The row as last written by this server or read back from the database; None if it has none. */
  readonly row: Option.Option<ScoreRow>
}

/**
 * A server's own state. Requests are answered from it (`reply`, synchronous, so the hot path needs no fiber,
 * no query and no formatting: the replies are encoded once per change). The update fiber sets it after each
 * write it makes, so its own writes are visible to the very next request; `refresh` reads the row back every
 * `refreshInterval`, so a write made by anyone else (another replica, a reset, an admin) is visible within it.
 */
export interface PointsState {
  readonly user: string
  /** The reply to a request in `dialect`, from memory. Never blocks, never fails. */
  readonly reply: (dialect: Dialect) => string
  readonly get: Effect.Effect<PointsView>
  /** Sets the row (after a write of ours): visible to the next request at once. */
  readonly setRow: (row: ScoreRow) => Effect.Effect<void>
  readonly changes: Stream.Stream<PointsView>
  /** Reads the row back from the database every `refreshInterval`, until interrupted. */
  readonly refresh: Effect.Effect<never, never, Db>
}

const encodeView = (user: string, view: PointsView) => {
  const encode = (dialect: Dialect) =>
    Option.match(view.row, {
      onNone: () => encodeError(dialect, `no points row for ${user}`),
      onSome: (row) => encodeReply(dialect, { user: row.user, points: row.points, lastUpdate: row.datetime_stamp })
    })
  return { REQUEST_LATEST_POINTS: encode("REQUEST_LATEST_POINTS"), get_data: encode("get_data") }
}

/** The state of `user`'s server, loaded from the database once before the server listens. */
export const makePointsState = (
  user: string,
  refreshInterval: Parameters<typeof Schedule.spaced>[0]
): Effect.Effect<PointsState, DbError, Db | Scope.Scope> =>
  Effect.gen(function*() {
    const db = yield* Db
    const initial: PointsView = { row: yield* db.findUser(user) }
    const ref = yield* SubscriptionRef.make(initial)
    let replies = encodeView(user, initial)
    const set = (view: PointsView) =>
      SubscriptionRef.set(ref, view).pipe(Effect.tap(() => Effect.sync(() => {
        replies = encodeView(user, view)
      })))
    const readBack = db.findUser(user).pipe(
      Effect.flatMap((row) => set({ row })),
      Effect.catchTag("DbError", (error) =>
        Effect.logDebug("state not refreshed: database unavailable").pipe(Effect.annotateLogs({ error: error.message })))
    )
    return {
      user,
      reply: (dialect) => replies[dialect],
      get: SubscriptionRef.get(ref),
      setRow: (row) => set({ row: Option.some(row) }),
      changes: ref.changes,
      refresh: Effect.schedule(readBack, Schedule.spaced(refreshInterval)).pipe(Effect.andThen(Effect.never))
    }
  })
