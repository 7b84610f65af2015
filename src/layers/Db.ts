import * as NodeContext from "@effect/platform-node/NodeContext"
import { SqlClient, SqlSchema } from "@effect/sql"
import { MysqlClient, MysqlMigrator } from "@effect/sql-mysql2"
import { SqliteClient, SqliteMigrator } from "@effect/sql-sqlite-node"
import { Array as Arr, Context, Data, DateTime, Effect, Layer, Option, Ref, Schedule, Schema } from "effect"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { migrations } from "../../migrations/index.js"
import { DbSettings, type DbTarget } from "../schema/DbSettings.js"
import { byUser, ScoreRow, UserName } from "../schema/ScoreRow.js"
import { formatTimestamp, type Timestamp } from "../schema/Timestamp.js"

export class DbError extends Data.TaggedError("DbError")<{
  readonly reason: "Connect" | "Query"
  readonly cause: unknown
}> {
  override get message() {
    const detail = describeCause(this.cause)
    return this.reason === "Connect" ? `cannot reach the database: ${detail}` : `database query failed: ${detail}`
  }
}

/** "MysqlClient: Failed to connect: Unknown database 'x'": each wrapper's message, down to the driver's. */
const describeCause = (cause: unknown): string => {
  const messages: Array<string> = []
  for (let current = cause; current !== undefined && messages.length < 5; current = (current as { cause?: unknown }).cause) {
    const message = current instanceof Error || typeof (current as { message?: unknown })?.message === "string"
      ? String((current as { message: string }).message)
      : String(current)
    if (message && !messages.includes(message)) messages.push(message)
    if (typeof current !== "object" || current === null) break
  }
  return messages.join(": ")
}

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

/** The points store: each server owns one user's row in `scores`. */
export interface DbShape {
  /** Creates the user's row with 0 points if it has none; an existing row is left as it is. */
  readonly ensureUser: (user: string) => Effect.Effect<void, DbError>
  /**
   * Adds `count` points (1 per tick; more when ticks owed from a database outage are caught up) and stamps
   * the row with the current time.
   */
  readonly addPoints: (user: string, count: number) => Effect.Effect<void, DbError>
  readonly findUser: (user: string) => Effect.Effect<Option.Option<ScoreRow>, DbError>
  readonly listUsers: Effect.Effect<ReadonlyArray<ScoreRow>, DbError>
}

/** Timestamps come from Effect's Clock, so TestClock drives them, in the one configured zone. */
const currentTimestamp = (zone: DateTime.TimeZone): Effect.Effect<Timestamp> =>
  Effect.map(DateTime.now, (now) => formatTimestamp(now, zone))

const query = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.mapError(effect, (cause) => new DbError({ reason: "Query", cause }))

/** The same statements serve MySQL, MariaDB and SQLite; only "insert unless present" differs. */
const makeSql = (zone: DateTime.TimeZone) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const insertIgnore = sql.onDialectOrElse({
      sqlite: () => sql.literal("INSERT OR IGNORE"),
      orElse: () => sql.literal("INSERT IGNORE")
    })
    const findUser = SqlSchema.findOne({
      Request: UserName,
      Result: ScoreRow,
      execute: (user) => sql`SELECT user, points, datetime_stamp FROM scores WHERE user = ${user}`
    })
    const listUsers = SqlSchema.findAll({
      Request: Schema.Void,
      Result: ScoreRow,
      execute: () => sql`SELECT user, points, datetime_stamp FROM scores`
    })
    return Db.of({
      ensureUser: (user) =>
        currentTimestamp(zone).pipe(
          Effect.flatMap((at) => sql`${insertIgnore} INTO scores (user, points, datetime_stamp) VALUES (${user}, 0, ${at})`),
          query,
          Effect.asVoid
        ),
      addPoints: (user, count) =>
        currentTimestamp(zone).pipe(
          Effect.flatMap((at) => sql`UPDATE scores SET points = points + ${count}, datetime_stamp = ${at} WHERE user = ${user}`),
          query,
          Effect.asVoid
        ),
      findUser: (user) => query(findUser(user)),
      listUsers: query(listUsers(undefined)).pipe(Effect.map(Arr.sort(byUser)))
    })
  })

/** A process-local store for layer-swapped tests. */
const makeMemory = (zone: DateTime.TimeZone) =>
  Effect.gen(function*() {
    const rows = yield* Ref.make(new Map<string, ScoreRow>())
    const update = (f: (rows: Map<string, ScoreRow>, at: Timestamp) => void) =>
      Effect.flatMap(currentTimestamp(zone), (at) => Ref.update(rows, (current) => {
        const next = new Map(current)
        f(next, at)
        return next
      }))
    return Db.of({
      ensureUser: (user) =>
        update((rows, at) => {
          if (!rows.has(user)) rows.set(user, new ScoreRow({ user, points: 0, datetime_stamp: at }))
        }),
      addPoints: (user, count) =>
        update((rows, at) => {
          const row = rows.get(user)
          if (row) rows.set(user, new ScoreRow({ user, points: row.points + count, datetime_stamp: at }))
        }),
      findUser: (user) => Ref.get(rows).pipe(Effect.map((rows) => Option.fromNullable(rows.get(user)))),
      listUsers: Ref.get(rows).pipe(Effect.map((rows) => Arr.sort([...rows.values()], byUser)))
    })
  })

const mysqlClient = (target: Extract<DbTarget, { _tag: "Mysql" }>) =>
  MysqlClient.layer({
    host: target.host,
    port: target.port,
    username: target.user,
    password: target.password,
    database: target.database,
    maxConnections: target.poolSize,
    // DATETIMEs come back as the text the server holds, never shifted by this process's TZ.
    poolConfig: { dateStrings: true }
  })

const embeddedClient = (file: string) =>
  Layer.unwrapEffect(Effect.sync(() => {
    if (file !== ":memory:") Fs.mkdirSync(Path.dirname(Path.resolve(file)), { recursive: true })
    return SqliteClient.layer({ filename: file })
  }))

export class Db extends Context.Tag("scoreline/Db")<Db, DbShape>() {
  /** The SQL store on a target, with its migrations run first when `migrate` is set. */
  static readonly layer = (options: { readonly target: DbTarget; readonly migrate: boolean; readonly timeZone: DateTime.TimeZone }) => {
    const client = options.target._tag === "Mysql" ? mysqlClient(options.target) : embeddedClient(options.target.file)
    const migrator = options.target._tag === "Mysql"
      ? MysqlMigrator.layer({ loader: migrations })
      : SqliteMigrator.layer({ loader: migrations })
    const migrated = options.migrate
      ? Layer.provideMerge(migrator.pipe(Layer.provide(NodeContext.layer)), client)
      : client
    return Layer.effect(Db, makeSql(options.timeZone)).pipe(Layer.provide(migrated))
  }

  /** An in-memory store for tests. */
  static readonly layerMemory = (timeZone: DateTime.TimeZone = DateTime.zoneUnsafeMakeNamed("UTC")) =>
    Layer.effect(Db, makeMemory(timeZone))

  /**
   * The store the environment asks for (`DB_HOST` → MySQL, else `DB_FILE`), migrated. MySQL is retried with
   * backoff for `DB_CONNECT_TIMEOUT`, because in compose the server often starts before the database.
   */
  static readonly layerConfig = Layer.unwrapEffect(Effect.gen(function*() {
    const settings = yield* DbSettings
    const where = settings.target._tag === "Mysql"
      ? `mysql://${settings.target.user}@${settings.target.host}:${settings.target.port}/${settings.target.database}`
      : `sqlite:${settings.target.file}`
    const retried = settings.target._tag === "Mysql"
      ? Db.layer(settings).pipe(
        Layer.tapError((error) =>
          Effect.logWarning("database not ready, retrying").pipe(Effect.annotateLogs({ database: where, error: describeCause(error) }))
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
