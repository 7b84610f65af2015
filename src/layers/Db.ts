import { Context, type DateTime, Duration, Effect, Layer, type Option, Ref, Schedule } from "effect"
import { DbSettings, type DbTarget } from "../schema/DbSettings.js"
import type { PointTick, Slot } from "../schema/PointTick.js"
import type { ScoreRow } from "../schema/ScoreRow.js"
import type { Timestamp } from "../schema/Timestamp.js"
import { makeMemory } from "./db/MemoryStore.js"
import { awaitSchema, makeSql } from "./db/SqlStore.js"
import { DbError, describeCause } from "./DbError.js"

export { DbError } from "./DbError.js"

/** The driver's error code somewhere in a cause chain (mysql2 sets `code`, e.g. ER_BAD_DB_ERROR). */
const driverCode = (cause: unknown): string | undefined => {
  for (let current = cause, depth = 0; typeof current === "object" && current !== null && depth < 5; depth++) {
    const code = (current as { code?: unknown }).code
    if (typeof code === "string") return code
    current = (current as { cause?: unknown }).cause
  }
  return undefined
}

/** Worth waiting for: the server is not up yet. Not worth it: it answered that the name or password is wrong. */
const PERMANENT = new Set(["ER_BAD_DB_ERROR", "ER_ACCESS_DENIED_ERROR", "ER_DBACCESS_DENIED_ERROR", "ER_NOT_SUPPORTED_AUTH_MODE"])
const isTransient = (cause: unknown) => !PERMANENT.has(driverCode(cause) ?? "")

/** A user's row with its pause flag, as one query reads them (what a server's state refreshes from). */
export interface UserSnapshot {
  readonly row: ScoreRow
  readonly paused: boolean
}

/** What a claim of interval slots did: how many it took (others were claimed already), and the row after it. */
export interface ClaimResult {
  /** Slots this claim inserted into the ledger; each added `pointsPerTick` points. */
  readonly claimed: number
  readonly snapshot: Option.Option<UserSnapshot>
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
   * Exactly-once ticks. In ONE transaction: inserts `(user, slot)` into `point_ticks` for each slot not
   * claimed yet (by anyone), unless the user is paused or has no row; adds `pointsPerTick` per slot inserted;
   * reads the row back. A slot claimed before (by another replica, or by a retry of a write whose commit was
   * ambiguous) adds nothing.
   */
  readonly claimSlots: (claim: {
    readonly user: string
    readonly slots: ReadonlyArray<Slot>
    readonly pointsPerTick: number
  }) => Effect.Effect<ClaimResult, DbError>
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
  /** The current time as a `Timestamp` in the store's zone (`TIME_ZONE`), from Effect's Clock. */
  readonly now: Effect.Effect<Timestamp>
  /**
   * SQL statements this store has sent so far (BEGIN and COMMIT included; one per operation in memory), for
   * tests and the bench to check that the database load does not follow the request rate.
   */
  readonly queries: Effect.Effect<number>
}

/**
 * The SQL client for a target, its driver imported when the layer is built: each driver is a chunk of its own
 * in the production build, so a process loads (and keeps in memory) only the one it uses.
 */
const sqlLayer = (target: DbTarget, migrate: boolean) =>
  Layer.unwrapEffect(
    target._tag === "Mysql"
      ? Effect.promise(() => import("./db/MysqlDriver.js")).pipe(Effect.map((driver) => driver.sqlLayer(target, migrate)))
      : Effect.promise(() => import("./db/SqliteDriver.js")).pipe(Effect.map((driver) => driver.sqlLayer(target.file, migrate)))
  )

/** The tables are not there (SQLite: "no such table", MySQL: "doesn't exist"). */
const isMissingTable = (error: unknown) => /no such table|doesn't exist/i.test(describeCause(error))

export class Db extends Context.Tag("scoreline/Db")<Db, DbShape>() {
  /** The SQL store on a target, with its migrations run first when `migrate` is set. */
  static readonly layer = (options: { readonly target: DbTarget; readonly migrate: boolean; readonly timeZone: DateTime.TimeZone }) => {
    const migrated = sqlLayer(options.target, options.migrate)
    const store = options.migrate ? Effect.zipRight(awaitSchema, makeSql(options.timeZone)) : makeSql(options.timeZone)
    const built = Layer.effect(Db, Effect.map(store, Db.of)).pipe(Layer.provide(migrated))
    // Replicas started at once on a new database all migrate: one wins, the others wait for its tables
    // (awaitSchema). On SQLite every contender can lose its transaction to another's lock, and then nobody
    // has migrated: a process that waited in vain builds the layer again, and so runs the migrations itself.
    return options.migrate ? Layer.retry(built, Schedule.recurs(2).pipe(Schedule.whileInput(isMissingTable))) : built
  }

  /** An in-memory store for tests. */
  static readonly layerMemory = (timeZone?: DateTime.TimeZone) =>
    Layer.effect(Db, Effect.map(makeMemory(timeZone), Db.of))

  /**
   * The store the environment asks for (`DB_HOST` → MySQL, else `DB_FILE`), migrated. MySQL is retried with
   * backoff for `DB_CONNECT_TIMEOUT`, because in compose the server often starts before the database.
   */
  static readonly layerConfig = Layer.unwrapEffect(Effect.gen(function*() {
    const settings = yield* DbSettings
    const where = settings.target._tag === "Mysql"
      ? `mysql://${settings.target.user}@${settings.target.host}:${settings.target.port}/${settings.target.database}`
      : `sqlite:${settings.target.file}`
    // Said once, not once a try: the retries are the expected case while a compose stack comes up.
    const warned = yield* Ref.make(false)
    const retried = settings.target._tag === "Mysql"
      ? Db.layer(settings).pipe(
        Layer.tapError((error) =>
          isTransient(error)
            ? Effect.whenEffect(
              Effect.logWarning("database not ready, retrying").pipe(
                Effect.annotateLogs({ database: where, error: describeCause(error), for: Duration.format(settings.connectTimeout) })
              ),
              Effect.map(Ref.getAndSet(warned, true), (already) => !already)
            )
            : Effect.void
        ),
        Layer.retry(
          Schedule.exponential("250 millis", 2).pipe(
            Schedule.union(Schedule.spaced("5 seconds")),
            Schedule.upTo(settings.connectTimeout),
            Schedule.whileInput(isTransient)
          )
        )
      )
      : Db.layer(settings)
    return retried.pipe(
      Layer.mapError((cause) => new DbError({ reason: "Connect", cause })),
      Layer.tap(() => Effect.logInfo("database ready").pipe(Effect.annotateLogs({ database: where })))
    )
  }))
}
