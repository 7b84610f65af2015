import { type Config, Context, type DateTime, Duration, Effect, Layer, Ref, Schedule } from "effect"
import { makeMemory } from "./db/MemoryStore.js"
import type { DbConfig, DbShape, DbTarget } from "./db/DbShape.js"
import { awaitSchema, makeSql } from "./db/SqlStore.js"
import { DbError, describeCause, driverCode } from "./DbError.js"

export { DbError } from "./DbError.js"
export type { ClaimResult, DbConfig, DbShape, DbTarget, UserSnapshot } from "./db/DbShape.js"

/** Worth waiting for: the server is not up yet. Not worth it: it answered that the name or password is wrong. */
const PERMANENT = new Set(["ER_BAD_DB_ERROR", "ER_ACCESS_DENIED_ERROR", "ER_DBACCESS_DENIED_ERROR", "ER_NOT_SUPPORTED_AUTH_MODE"])
const isTransient = (cause: unknown) => !PERMANENT.has(driverCode(cause) ?? "")

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
  static readonly layer = (options: {
    readonly target: DbTarget
    readonly migrate: boolean
    readonly timeZone: DateTime.TimeZone
    readonly outbox?: boolean | undefined
  }) => {
    const migrated = sqlLayer(options.target, options.migrate)
    const make = makeSql(options.timeZone, options.outbox ?? false)
    const store = options.migrate ? Effect.zipRight(awaitSchema, make) : make
    // Scoped: the store's claim batcher runs fibers of its own, stopped with the layer.
    const built = Layer.scoped(Db, Effect.map(store, Db.of)).pipe(Layer.provide(migrated))
    // Replicas started at once on a new database all migrate: one wins, the others wait for its tables
    // (awaitSchema). On SQLite every contender can lose its transaction to another's lock, and then nobody
    // has migrated: a process that waited in vain builds the layer again, and so runs the migrations itself.
    return options.migrate ? Layer.retry(built, Schedule.recurs(2).pipe(Schedule.whileInput(isMissingTable))) : built
  }

  /** An in-memory store for tests. */
  static readonly layerMemory = (timeZone?: DateTime.TimeZone, options: { readonly outbox?: boolean } = {}) =>
    Layer.effect(Db, Effect.map(makeMemory(timeZone, options.outbox ?? false), Db.of))

  /**
   * The store `config` asks for (programs give it `DbSettings` (`DB_HOST` → MySQL, else `DB_FILE`), migrated. MySQL is retried with
   * backoff for `DB_CONNECT_TIMEOUT`, because in compose the server often starts before the database.
   */
  static readonly layerConfig = (config: Config.Config<DbConfig>) => Layer.unwrapEffect(Effect.gen(function*() {
    const settings = yield* config
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
