import type { PointEvent } from "../../schema/PointEvent.js"
import type { DateTime, Duration, Effect, Option, Redacted } from "effect"
import type { PointTick, Slot } from "../../schema/PointTick.js"
import type { ScoreRow } from "../../schema/ScoreRow.js"
import type { Timestamp } from "../../schema/Timestamp.js"
import type { DbError } from "../DbError.js"

// What the Db service promises, apart from any store that keeps it: the SQL store, the in-memory one and the
// `Db` tag all import these types from here, and nothing here imports them back.

/** Where the points live: MySQL when `DB_HOST` is set, else the embedded SQLite file. */
export type DbTarget =
  | {
    readonly _tag: "Mysql"
    readonly host: string
    readonly port: number
    readonly user: string
    readonly password: Redacted.Redacted
    readonly database: string
    readonly poolSize: number
  }
  | { readonly _tag: "Embedded"; readonly file: string }

/** What `Db.layerConfig` is built from (the settings `DB_*` and `TIME_ZONE`). */
export interface DbConfig {
  readonly target: DbTarget
  /** Run the migrations when the layer is built (off for replicas behind a compose migrate job). */
  readonly migrate: boolean
  /** How long to keep trying to reach MySQL at start-up before giving up. */
  readonly connectTimeout: Duration.Duration
  readonly timeZone: DateTime.TimeZone
  /** Claims mark each interval's event as owed (the outbox): on in a process that publishes events (BROKER_URL). */
  readonly outbox?: boolean
}

/** A user's row with its pause flag, as one query reads them (what a server's state refreshes from). */
export interface UserSnapshot {
  readonly row: ScoreRow
  readonly paused: boolean
}

/** What a claim of interval slots did: how many it took (others were claimed already), and the row after it. */
export interface ClaimResult {
  /** Slots this claim inserted into the ledger; each added `pointsPerTick` points. */
  readonly claimed: number
  /** The slots it inserted, in slot order, each with the user's points just after it (what an event says). */
  readonly ticks: ReadonlyArray<ClaimedTick>
  readonly snapshot: Option.Option<UserSnapshot>
}

/** One interval this process claimed: its slot, and the row's points once its increment was added. */
export interface ClaimedTick {
  readonly slot: Slot
  readonly total: number
}

/** What a server asks of the ledger: these slots of its user, each worth `pointsPerTick`. */
export interface Claim {
  readonly user: string
  readonly slots: ReadonlyArray<Slot>
  readonly pointsPerTick: number
}

/** The points store: each server owns one user's row in `scores`; `point_ticks` is the ledger and history. */
export interface DbShape {
  /** Creates the user's row with 0 points if it has none; an existing row is left as it is. */
  readonly ensureUser: (user: string) => Effect.Effect<void, DbError>
  /** Adds `count` points and stamps the row with the current time: an admin's edit (servers claim slots). */
  readonly addPoints: (user: string, count: number) => Effect.Effect<void, DbError>
  readonly findUser: (user: string) => Effect.Effect<Option.Option<ScoreRow>, DbError>
  readonly listUsers: Effect.Effect<ReadonlyArray<ScoreRow>, DbError>
  /** The row and the pause flag in one query. */
  readonly findSnapshot: (user: string) => Effect.Effect<Option.Option<UserSnapshot>, DbError>
  /**
   * The rows and pause flags of many users (those that have a row), in one query per SNAPSHOT_CHUNK users:
   * what a stack's one refresh reads for all its servers.
   */
  readonly findSnapshots: (users: ReadonlyArray<string>) => Effect.Effect<ReadonlyMap<string, UserSnapshot>, DbError>
  /** Every user's row with its pause flag, by user, in one query: what the dashboard's watcher reads. */
  readonly listSnapshots: Effect.Effect<ReadonlyArray<UserSnapshot>, DbError>
  /**
   * Exactly-once ticks. In ONE transaction: inserts `(user, slot)` into `point_ticks` for each slot not
   * claimed yet (by anyone), unless the user is paused or has no row; adds `pointsPerTick` per slot inserted;
   * reads the row back. A slot claimed before (by another replica, or by a retry of a write whose commit was
   * ambiguous) adds nothing.
   */
  readonly claimSlots: (claim: Claim) => Effect.Effect<ClaimResult, DbError>
  /** Recorded increments, newest first (by `recorded_at`, then slot), every user's or one user's. */
  readonly listHistory: (options: { readonly user?: string; readonly limit: number }) => Effect.Effect<ReadonlyArray<PointTick>, DbError>
  /** Deletes at most `limit` ledger rows (oldest first) recorded more than `olderThan` ago; returns how many. */
  readonly pruneHistory: (options: { readonly olderThan: Duration.DurationInput; readonly limit: number }) => Effect.Effect<number, DbError>
  readonly isPaused: (user: string) => Effect.Effect<boolean, DbError>
  /** Pauses or resumes a user's updates (stamped now); a paused user's ticks add nothing and are not owed. */
  readonly setPaused: (user: string, paused: boolean) => Effect.Effect<void, DbError>
  readonly listPaused: Effect.Effect<ReadonlySet<string>, DbError>
  /** Sets the user's points to 0, stamped now. */
  readonly resetPoints: (user: string) => Effect.Effect<void, DbError>
  /**
   * The events these users' intervals still owe (the outbox: claims made with `outbox` on), oldest first:
   * by user, then slot; at most `limit`, in one query.
   */
  readonly owedEvents: (users: ReadonlyArray<string>, limit: number) => Effect.Effect<ReadonlyArray<PointEvent>, DbError>
  /** Marks these intervals' events as confirmed by the broker, in one statement. */
  readonly eventsSent: (events: ReadonlyArray<{ readonly user: string; readonly slot: number }>) => Effect.Effect<void, DbError>
  /** The current time as a `Timestamp` in the store's zone (`TIME_ZONE`), from Effect's Clock. */
  readonly now: Effect.Effect<Timestamp>
  /**
   * SQL statements this store has sent so far (BEGIN and COMMIT included; one per operation in memory), for
   * tests and the bench to check that the database load does not follow the request rate.
   */
  readonly queries: Effect.Effect<number>
}

