import * as SqlClient from "@effect/sql/SqlClient"
import * as SqlSchema from "@effect/sql/SqlSchema"
import { Array as Arr, type DateTime, Effect, Option, Schedule, Schema } from "effect"
import { PointEvent } from "../../schema/PointEvent.js"
import { PausedFlag, PointTick } from "../../schema/PointTick.js"
import { byUser, ScoreRow, UserName } from "../../schema/ScoreRow.js"
import { Timestamp, UTC } from "../../schema/Timestamp.js"
import { makeBatcher } from "./Batcher.js"
import type { Claim, DbShape, UserSnapshot } from "./DbShape.js"
import { claimMany } from "./SqlClaims.js"
import { asQueryError, CLAIM_WORKERS, currentTimestamp, makeQueryCounter, SNAPSHOT_CHUNK, timestampAgo } from "./common.js"

/** `scores` joined with `user_control`: a user's row and pause flag in one read. */
const SnapshotRow = Schema.Struct({ user: UserName, points: Schema.Int, datetime_stamp: Timestamp, paused: PausedFlag })
const toSnapshot = (row: typeof SnapshotRow.Type): UserSnapshot => ({
  row: new ScoreRow({ user: row.user, points: row.points, datetime_stamp: row.datetime_stamp }),
  paused: row.paused
})

/** Rows a write touched: mysql2's ResultSetHeader says `affectedRows`, better-sqlite3's run() says `changes`. */
const changedRows = (raw: unknown): number => {
  const header = raw as { affectedRows?: number; changes?: number }
  return Number(header.affectedRows ?? header.changes ?? 0)
}

/** A LIMIT as literal text: MySQL refuses a prepared `LIMIT ?` bound as a double (mysql2 sends numbers so). */
const limitOf = (limit: number) => Math.max(0, Math.floor(limit))

/**
 * Waits (up to 10 s) until every table exists. Two replicas started at the same instant migrate at once: the
 * Migrator lets the loser go on at once ("locked") while the winner may still be creating the tables.
 */
export const awaitSchema = Effect.flatMap(SqlClient.SqlClient, (sql) =>
  sql`SELECT 1 FROM scores, point_ticks, user_control WHERE 1 = 0`.pipe(
    Effect.retry(Schedule.spaced("100 millis").pipe(Schedule.intersect(Schedule.recurs(100)))),
    Effect.asVoid
  ))

/** The same statements serve MySQL, MariaDB and SQLite; only "insert unless present" and DELETE … LIMIT differ. */
export const makeSql = (zone: DateTime.TimeZone = UTC, outbox = false) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const { add, counted, queries } = makeQueryCounter()
    const now = currentTimestamp(zone)
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
    const findSnapshot = SqlSchema.findOne({
      Request: UserName,
      Result: SnapshotRow,
      execute: (user) =>
        sql`SELECT s.user, s.points, s.datetime_stamp, COALESCE(c.paused, 0) AS paused
            FROM scores s LEFT JOIN user_control c ON c.user = s.user WHERE s.user = ${user}`
    })
    const snapshotsOf = SqlSchema.findAll({
      Request: Schema.Array(UserName),
      Result: SnapshotRow,
      execute: (users) =>
        sql`SELECT s.user, s.points, s.datetime_stamp, COALESCE(c.paused, 0) AS paused
            FROM scores s LEFT JOIN user_control c ON c.user = s.user WHERE ${sql.in("s.user", users)}`
    })
    const allSnapshots = SqlSchema.findAll({
      Request: Schema.Void,
      Result: SnapshotRow,
      execute: () =>
        sql`SELECT s.user, s.points, s.datetime_stamp, COALESCE(c.paused, 0) AS paused
            FROM scores s LEFT JOIN user_control c ON c.user = s.user`
    })
    const listHistory = SqlSchema.findAll({
      Request: Schema.Struct({ user: Schema.optional(Schema.String), limit: Schema.Number }),
      Result: PointTick,
      execute: ({ limit, user }) =>
        sql`SELECT user, slot, points, recorded_at FROM point_ticks
            ${user === undefined ? sql`` : sql`WHERE user = ${user}`}
            ORDER BY recorded_at DESC, slot DESC, user LIMIT ${sql.literal(String(limitOf(limit)))}`
    })
    const owedEvents = SqlSchema.findAll({
      Request: Schema.Struct({ users: Schema.Array(UserName), limit: Schema.Number }),
      Result: PointEvent,
      execute: ({ limit, users }) =>
        sql`SELECT user, slot, points, COALESCE(total, 0) AS total, recorded_at FROM point_ticks
            WHERE event_owed = 1 AND ${sql.in("user", users)}
            ORDER BY user, slot LIMIT ${sql.literal(String(limitOf(limit)))}`
    })
    const isPaused = SqlSchema.findOne({
      Request: UserName,
      Result: Schema.Struct({ paused: PausedFlag }),
      execute: (user) => sql`SELECT paused FROM user_control WHERE user = ${user}`
    })
    const listPaused = SqlSchema.findAll({
      Request: Schema.Void,
      Result: Schema.Struct({ user: UserName }),
      execute: () => sql`SELECT user FROM user_control WHERE paused <> 0`
    })

    // Claims arriving together (a stack's servers at an interval's boundary) share one transaction: SQLite has
    // one connection, so one batch at a time; MySQL runs a few side by side and keeps the rest of the pool.
    const workers = yield* sql.onDialectOrElse({ sqlite: () => Effect.succeed(1), orElse: () => Effect.succeed(CLAIM_WORKERS) })
    const claimSlots: DbShape["claimSlots"] = yield* makeBatcher(
      claimMany({
        sql,
        now,
        count: add,
        outbox,
        snapshots: (users) => Effect.map(snapshotsOf(users), (rows) => new Map(rows.map((row) => [row.user, toSnapshot(row)] as const)))
      }),
      { maxBatch: SNAPSHOT_CHUNK, workers }
    ).pipe(Effect.map((claim) => (request: Claim) => asQueryError(claim(request))))

    const pruneHistory: DbShape["pruneHistory"] = ({ limit, olderThan }) =>
      Effect.flatMap(timestampAgo(zone, olderThan), (before) =>
      sql.onDialectOrElse({
        sqlite: () =>
          sql`DELETE FROM point_ticks WHERE rowid IN (
                SELECT rowid FROM point_ticks WHERE recorded_at < ${before} ORDER BY recorded_at LIMIT ${sql.literal(String(limitOf(limit)))})`,
        orElse: () => sql`DELETE FROM point_ticks WHERE recorded_at < ${before} ORDER BY recorded_at LIMIT ${sql.literal(String(limitOf(limit)))}`
      }).raw).pipe(Effect.map(changedRows), asQueryError, counted(1))

    return {
      ensureUser: (user) =>
        now.pipe(
          Effect.flatMap((at) => sql`${insertIgnore} INTO scores (user, points, datetime_stamp) VALUES (${user}, 0, ${at})`),
          asQueryError,
          Effect.asVoid,
          counted(1)
        ),
      addPoints: (user, count) =>
        now.pipe(
          Effect.flatMap((at) => sql`UPDATE scores SET points = points + ${count}, datetime_stamp = ${at} WHERE user = ${user}`),
          asQueryError,
          Effect.asVoid,
          counted(1)
        ),
      findUser: (user) => findUser(user).pipe(asQueryError, counted(1)),
      listUsers: listUsers(undefined).pipe(Effect.map(Arr.sort(byUser)), asQueryError, counted(1)),
      findSnapshot: (user) => findSnapshot(user).pipe(Effect.map(Option.map(toSnapshot)), asQueryError, counted(1)),
      findSnapshots: (users) =>
        Effect.forEach(Arr.chunksOf(Arr.dedupe(users), SNAPSHOT_CHUNK), (chunk) => snapshotsOf(chunk).pipe(asQueryError, counted(1))).pipe(
          Effect.map((chunks) => new Map(chunks.flat().map((row) => [row.user, toSnapshot(row)] as const)))
        ),
      listSnapshots: allSnapshots(undefined).pipe(
        Effect.map((rows) => rows.map(toSnapshot).sort((a, b) => byUser(a.row, b.row))),
        asQueryError,
        counted(1)
      ),
      claimSlots,
      listHistory: (options) => listHistory(options).pipe(asQueryError, counted(1)),
      pruneHistory,
      isPaused: (user) => isPaused(user).pipe(Effect.map(Option.exists((row) => row.paused)), asQueryError, counted(1)),
      setPaused: (user, paused) =>
        now.pipe(
          // REPLACE is an upsert on MySQL, MariaDB and SQLite alike.
          Effect.flatMap((at) => sql`REPLACE INTO user_control (user, paused, updated_at) VALUES (${user}, ${paused ? 1 : 0}, ${at})`),
          asQueryError,
          Effect.asVoid,
          counted(1)
        ),
      owedEvents: (users, limit) =>
        users.length === 0 ? Effect.succeed([]) : owedEvents({ users, limit }).pipe(asQueryError, counted(1)),
      eventsSent: (events) =>
        events.length === 0
          ? Effect.void
          : sql`UPDATE point_ticks SET event_owed = 0 WHERE ${
            sql.or(events.map(({ slot, user }) => sql`(user = ${user} AND slot = ${slot})`))
          }`.pipe(asQueryError, Effect.asVoid, counted(1)),
      listPaused: listPaused(undefined).pipe(Effect.map((rows) => new Set(rows.map((row) => row.user))), asQueryError, counted(1)),
      resetPoints: (user) =>
        now.pipe(
          Effect.flatMap((at) => sql`UPDATE scores SET points = 0, datetime_stamp = ${at} WHERE user = ${user}`),
          asQueryError,
          Effect.asVoid,
          counted(1)
        ),
      now,
      queries
    } satisfies DbShape
  })
