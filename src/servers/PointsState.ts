import { Array as Arr, Effect, Option, type Scope, Stream, SubscriptionRef } from "effect"
import { type Dialect, encodeError, encodeReply } from "../schema/PointsProtocol.js"
import type { Slot } from "../schema/PointTick.js"
import type { ScoreRow } from "../schema/ScoreRow.js"
import type { Timestamp } from "../schema/Timestamp.js"
import { Db, type DbError, type UserSnapshot } from "../layers/Db.js"

/** What a points server knows of its user, held in memory so that requests never touch the database. */
export interface PointsView {
  /** The row as last written by this server or read back from the database; None if it has none. */
  readonly row: Option.Option<ScoreRow>
  /** Whether an operator has paused the user's updates, as last read. */
  readonly paused: boolean
  /** Slots this server ticked that are not written yet (the database was unavailable), oldest first. */
  readonly owed: ReadonlyArray<Slot>
  /** When the last owed slot was ticked: what `Last Update` says while points are owed. */
  readonly owedStamp: Option.Option<Timestamp>
  /** Writes through this state so far: a read taken before one of them is older than what the state holds. */
  readonly revision: number
}

export interface PointsStateOptions {
  readonly pointsPerTick: number
  /** Owed slots kept at most (the newest); older ones are dropped with a warning. */
  readonly maxOwed: number
}

/** What a write through the state did, for the update fiber's logs and counters. */
export type WriteOutcome =
  | { readonly _tag: "Written"; readonly claimed: number; readonly tried: number; readonly paused: boolean }
  | { readonly _tag: "Owed"; readonly owed: number; readonly error: DbError }

/**
 * A server's own state. Requests are answered from it (`reply`, synchronous: no fiber, no query, no
 * formatting on the hot path, because the replies are encoded once per change). While the database is
 * unavailable the answer stays exact: the row last known plus the points of the slots owed, stamped with the
 * last owed tick. Writes go through it (`claim`), so its own writes are visible to the very next request.
 */
export interface PointsState {
  readonly user: string
  /** The reply to a request in `dialect`, from memory. Never blocks, never fails. */
  readonly reply: (dialect: Dialect) => string
  readonly get: Effect.Effect<PointsView>
  readonly changes: Stream.Stream<PointsView>
  /**
   * Claims `slots` and every slot owed, in one ledger transaction, and sets the state from what the database
   * then holds. On failure the slots are owed (unless the user is known to be paused: a paused tick is not
   * owed). Writes are serialized, so a tick and a refresh's catch-up never race each other.
   */
  readonly claim: (slots: ReadonlyArray<Slot>) => Effect.Effect<WriteOutcome>
  /**
   * Sets the state from a snapshot read back from the database (by this server or by its stack's one
   * refresh for all its servers), taken when the state was at `revision`. Ignored if a write of this
   * server's came after (the read is older than what the state holds) or if slots are owed (the read
   * knows nothing of them: the catch-up claim sets the state instead).
   */
  readonly applySnapshot: (snapshot: Option.Option<UserSnapshot>, revision: number) => Effect.Effect<void>
}

/** The points a reply shows: the row's, plus the owed slots' (exact, as the ledger will count them). */
export const answeredPoints = (view: PointsView, pointsPerTick: number) =>
  Option.map(view.row, (row) => ({
    points: row.points + view.owed.length * pointsPerTick,
    lastUpdate: view.owed.length > 0 ? Option.getOrElse(view.owedStamp, () => row.datetime_stamp) : row.datetime_stamp
  }))

const encodeView = (user: string, view: PointsView, pointsPerTick: number) => {
  const answer = answeredPoints(view, pointsPerTick)
  const encode = (dialect: Dialect) =>
    Option.match(answer, {
      onNone: () => encodeError(dialect, `no points row for ${user}`),
      onSome: ({ lastUpdate, points }) => encodeReply(dialect, { user, points, lastUpdate })
    })
  return { REQUEST_LATEST_POINTS: encode("REQUEST_LATEST_POINTS"), get_data: encode("get_data") }
}

/** The state of `user`'s server, loaded from the database once before the server listens. */
export const makePointsState = (
  user: string,
  options: PointsStateOptions
): Effect.Effect<PointsState, DbError, Db | Scope.Scope> =>
  Effect.gen(function*() {
    const db = yield* Db
    const loaded = yield* db.findSnapshot(user)
    const initial: PointsView = {
      row: Option.map(loaded, (s) => s.row),
      paused: Option.exists(loaded, (s) => s.paused),
      owed: [],
      owedStamp: Option.none(),
      revision: 0
    }
    const ref = yield* SubscriptionRef.make(initial)
    let replies = encodeView(user, initial, options.pointsPerTick)
    const update = (f: (view: PointsView) => PointsView) =>
      SubscriptionRef.updateAndGet(ref, f).pipe(Effect.tap((view) => Effect.sync(() => {
        replies = encodeView(user, view, options.pointsPerTick)
      })))
    const fromSnapshot = (snapshot: Option.Option<UserSnapshot>) => (view: PointsView): PointsView => ({
      ...view,
      row: Option.map(snapshot, (s) => s.row),
      paused: Option.exists(snapshot, (s) => s.paused),
      owed: [],
      owedStamp: Option.none(),
      revision: view.revision + 1
    })
    const writing = yield* Effect.makeSemaphore(1)

    const claim = (slots: ReadonlyArray<Slot>): Effect.Effect<WriteOutcome> =>
      Effect.gen(function*() {
        const view = yield* SubscriptionRef.get(ref)
        // Sorted and bounded: the newest `maxOwed` slots, so an endless outage cannot grow memory.
        const tried = Arr.dedupe(Arr.sort([...view.owed, ...slots], (a: number, b: number) => (a < b ? -1 : a > b ? 1 : 0)))
          .slice(-options.maxOwed)
        const stamp = yield* db.now
        const result = yield* Effect.either(db.claimSlots({ user, slots: tried, pointsPerTick: options.pointsPerTick }))
        if (result._tag === "Right") {
          yield* update(fromSnapshot(result.right.snapshot))
          return { _tag: "Written", claimed: result.right.claimed, tried: tried.length, paused: Option.exists(result.right.snapshot, (s) => s.paused) } as const
        }
        const next = yield* update((current) =>
          current.paused
            ? current
            : { ...current, owed: tried, owedStamp: slots.length > 0 ? Option.some(stamp) : current.owedStamp, revision: current.revision + 1 }
        )
        return { _tag: "Owed", owed: next.owed.length, error: result.left } as const
      }).pipe(writing.withPermits(1))

    const applySnapshot = (snapshot: Option.Option<UserSnapshot>, revision: number) =>
      Effect.flatMap(SubscriptionRef.get(ref), (view) =>
        view.revision !== revision || view.owed.length > 0 ? Effect.void : Effect.asVoid(update(fromSnapshot(snapshot)))).pipe(writing.withPermits(1))

    return {
      user,
      reply: (dialect) => replies[dialect],
      get: SubscriptionRef.get(ref),
      changes: ref.changes,
      claim,
      applySnapshot
    }
  })
