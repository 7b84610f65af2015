import { describe, expect, it } from "@effect/vitest"
import { execFileSync } from "node:child_process"
import { DateTime, Duration, Effect, Option, TestClock } from "effect"
import { Db } from "../../src/layers/Db.js"
import {
  commaReply,
  eventually,
  listeningPort,
  LOOPBACK,
  stampAsUtc,
  tcpExchange,
  type TestBackend,
  uniqueUser,
  useEmbeddedDb,
  usePrograms
} from "../programs/harness.js"
import { implementations, T0, zone } from "../support/dbImplementations.js"
import { describeMariaDb, useTestDatabase } from "../support/mariadb.js"

/**
 * The Db contract, run against every implementation: in memory (layer-swapped tests), embedded SQLite in a
 * temp file, and the real MariaDB. Timestamps come from Effect's Clock, so TestClock pins them exactly.
 * The ledger, history and user-control methods are in DbLedger.test.ts.
 */

const offset = (text: string) => Option.getOrThrow(DateTime.zoneFromString(text))

const findRow = (user: string) => Effect.flatMap(Db, (db) => db.findUser(user))

/** The row, which must exist, as plain data. */
const row = (user: string) =>
  findRow(user).pipe(
    Effect.map(Option.getOrThrowWith(() => new Error(`no row for ${user}`))),
    Effect.map(({ datetime_stamp, points, user }) => ({ user, points, datetime_stamp }))
  )

for (const implementation of implementations) {
  implementation.describe(`Db contract: ${implementation.name}`, () => {
    const impl = implementation.use()
    const provided = <A, E>(effect: Effect.Effect<A, E, Db>, timeZone?: DateTime.TimeZone) =>
      Effect.provide(effect, impl.layer(timeZone))

    it.effect("ensureUser creates a 0-point row stamped with the current time, in UTC", () =>
      provided(Effect.gen(function*() {
        const db = yield* Db
        const user = uniqueUser()
        yield* TestClock.setTime(T0)
        expect(yield* db.findUser(user)).toEqual(Option.none())
        yield* db.ensureUser(user)
        expect(yield* row(user)).toEqual({ user, points: 0, datetime_stamp: "2026-01-12 14:30:00" })
      })))

    it.effect("ensureUser leaves an existing row alone", () =>
      provided(Effect.gen(function*() {
        const db = yield* Db
        const user = uniqueUser()
        yield* TestClock.setTime(T0)
        yield* db.ensureUser(user)
        yield* TestClock.adjust("1 minute")
        yield* db.addPoints(user, 1)
        yield* TestClock.adjust("1 hour")
        yield* db.ensureUser(user)
        expect(yield* row(user)).toEqual({ user, points: 1, datetime_stamp: "2026-01-12 14:31:00" })
      })))

    it.effect("addPoints adds exactly one point each time and stamps the row", () =>
      provided(Effect.gen(function*() {
        const db = yield* Db
        const user = uniqueUser()
        yield* TestClock.setTime(T0)
        yield* db.ensureUser(user)
        for (let i = 1; i <= 3; i++) {
          yield* TestClock.adjust("1 second")
          yield* db.addPoints(user, 1)
          expect(yield* row(user)).toEqual({ user, points: i, datetime_stamp: `2026-01-12 14:30:0${i}` })
        }
      })))

    it.effect("addPoints for a user without a row creates nothing", () =>
      provided(Effect.gen(function*() {
        const db = yield* Db
        const user = uniqueUser()
        yield* db.addPoints(user, 1)
        expect(yield* db.findUser(user)).toEqual(Option.none())
        expect((yield* db.listUsers).map((r) => r.user)).not.toContain(user)
      })))

    it.effect("findUser reads one row; listUsers lists every row, ordered by user", () =>
      provided(Effect.gen(function*() {
        const db = yield* Db
        const prefix = uniqueUser("list")
        const users = [`${prefix}_b`, `${prefix}_c`, `${prefix}_a`]
        yield* TestClock.setTime(T0)
        for (const user of users) yield* db.ensureUser(user)
        yield* db.addPoints(`${prefix}_c`, 1)
        yield* db.addPoints(`${prefix}_c`, 1)
        expect(yield* row(`${prefix}_c`)).toMatchObject({ points: 2 })
        const listed = (yield* db.listUsers).filter((r) => r.user.startsWith(prefix))
        expect(listed.map((r) => [r.user, r.points])).toEqual([[`${prefix}_a`, 0], [`${prefix}_b`, 0], [`${prefix}_c`, 2]])
      })))

    // SQLite's ORDER BY is binary (upper case first) and MariaDB's collation is not: the listing order must come
    // from one comparator, not from the store.
    it.effect("listUsers orders names the same way in every implementation (case-insensitively)", () =>
      provided(Effect.gen(function*() {
        const db = yield* Db
        const suffix = uniqueUser("").slice(1)
        const users = ["Zed", "bob", "Afif", "irfan"].map((name) => `${name}${suffix}`)
        for (const user of users) yield* db.ensureUser(user)
        const listed = (yield* db.listUsers).map((r) => r.user).filter((user) => user.endsWith(suffix))
        expect(listed).toEqual(["Afif", "bob", "irfan", "Zed"].map((name) => `${name}${suffix}`))
      })))

    it.effect("stamps in the configured time zone (TIME_ZONE), UTC by default", () =>
      Effect.gen(function*() {
        yield* TestClock.setTime(T0)
        const stampIn = (timeZone: DateTime.TimeZone | undefined) =>
          provided(Effect.gen(function*() {
            const user = uniqueUser()
            yield* Effect.flatMap(Db, (db) => db.ensureUser(user))
            return (yield* row(user)).datetime_stamp
          }), timeZone)
        expect(yield* stampIn(undefined)).toBe("2026-01-12 14:30:00")
        expect(yield* stampIn(offset("+08:00"))).toBe("2026-01-12 22:30:00")
        expect(yield* stampIn(zone("Asia/Kuala_Lumpur"))).toBe("2026-01-12 22:30:00")
        expect(yield* stampIn(zone("America/New_York"))).toBe("2026-01-12 09:30:00")
      }))

    it.effect("writes and reads the same UTC text while the process runs in another TZ", () =>
      Effect.gen(function*() {
        const saved = process.env.TZ
        yield* Effect.addFinalizer(() =>
          Effect.sync(() => {
            if (saved === undefined) delete process.env.TZ
            else process.env.TZ = saved
          })
        )
        process.env.TZ = "America/New_York"
        // Node applies a TZ change at once; if it did not, this test would prove nothing.
        expect(new Date(T0).getTimezoneOffset()).toBe(300)
        const user = uniqueUser()
        yield* TestClock.setTime(T0)
        const stamp = yield* provided(Effect.gen(function*() {
          yield* Effect.flatMap(Db, (db) => db.ensureUser(user))
          return (yield* row(user)).datetime_stamp
        }))
        expect(stamp).toBe("2026-01-12 14:30:00")
        if (impl.persistent) expect((yield* Effect.promise(() => impl.persistent!.readRow(user)))?.stamp).toBe(stamp)
      }).pipe(Effect.scoped))

    if (impl.persistent !== undefined) {
      const persistent = impl.persistent

      it.effect("holds exactly the text Db reports", () =>
        provided(Effect.gen(function*() {
          const db = yield* Db
          const user = uniqueUser()
          yield* TestClock.setTime(T0 + 59_000)
          yield* db.ensureUser(user)
          yield* db.addPoints(user, 1)
          expect(yield* Effect.promise(() => persistent.readRow(user))).toEqual({ points: 1, stamp: "2026-01-12 14:30:59" })
        })))

      it.effect("runs its migrations once however often it is built, and keeps the data", () =>
        Effect.gen(function*() {
          const user = uniqueUser()
          yield* TestClock.setTime(T0)
          yield* provided(Effect.flatMap(Db, (db) => db.ensureUser(user)))
          yield* provided(Effect.flatMap(Db, (db) => db.addPoints(user, 1)))
          expect(yield* provided(row(user))).toMatchObject({ points: 1 })
          const migrations = yield* Effect.promise(() =>
            persistent.query<{ migration_id: number; name: string }>("SELECT migration_id, name FROM effect_sql_migrations")
          )
          expect(migrations.map(({ migration_id, name }) => ({ migration_id: Number(migration_id), name }))).toEqual([
            { migration_id: 1, name: "create_scores" },
            { migration_id: 2, name: "create_point_ticks" },
            { migration_id: 3, name: "index_point_ticks_recorded_at" },
            { migration_id: 4, name: "create_user_control" },
            { migration_id: 5, name: "point_ticks_outbox" }
          ])
        }))

      it.effect("creates the seeds' table: scores(user VARCHAR(50) PRIMARY KEY, points INT NOT NULL DEFAULT 0, datetime_stamp DATETIME NOT NULL)", () =>
        Effect.gen(function*() {
          yield* provided(Effect.void)
          if (persistent.dialect === "mysql") {
            const columns = yield* Effect.promise(() =>
              persistent.query<{ Field: string; Type: string; Null: string; Key: string; Default: string | null }>("SHOW COLUMNS FROM scores")
            )
            expect(columns.map(({ Default, Field, Key, Null, Type }) => [Field, Type, Null, Key, Default])).toEqual([
              ["user", "varchar(50)", "NO", "PRI", null],
              ["points", expect.stringMatching(/^int/), "NO", "", "0"],
              ["datetime_stamp", "datetime", "NO", "", null]
            ])
          } else {
            const columns = yield* Effect.promise(() =>
              persistent.query<{ name: string; type: string; notnull: number; dflt_value: string | null; pk: number }>(
                "PRAGMA table_info(scores)"
              )
            )
            expect(columns.map(({ dflt_value, name, notnull, pk, type }) => [name, type, notnull, pk, dflt_value])).toEqual([
              ["user", "VARCHAR(50)", 0, 1, null],
              ["points", "INT", 1, 0, "0"],
              ["datetime_stamp", "DATETIME", 1, 0, null]
            ])
          }
        }))

      it.effect("reads a row a seed's own program wrote (init.sql style) exactly as stored", () =>
        Effect.gen(function*() {
          const user = uniqueUser("seed")
          yield* provided(Effect.void)
          yield* Effect.promise(() =>
            persistent.query("INSERT INTO scores (user, points, datetime_stamp) VALUES (?, 120, '2026-01-12 14:30:00')", [user])
          )
          yield* TestClock.setTime(T0 + Duration.toMillis("3 hours"))
          expect(yield* provided(Effect.zipRight(Effect.flatMap(Db, (db) => db.ensureUser(user)), row(user)))).toEqual({
            user,
            points: 120,
            datetime_stamp: "2026-01-12 14:30:00"
          })
        }))
    }
  })
}

/**
 * A spawned `server` in TZ=America/New_York must reply with the text the database holds, and stamp in UTC
 * (TIME_ZONE's default): the seeds' clients and the dashboard read the same value whatever zone they run in.
 */
const persistentBackends: ReadonlyArray<{ name: string; describe: (name: string, body: () => void) => void; use: () => TestBackend }> = [
  { name: "embedded SQLite", describe, use: useEmbeddedDb },
  { name: "MariaDB", describe: describeMariaDb, use: useTestDatabase }
]

for (const backend of persistentBackends) {
  backend.describe(`timestamps across time zones: server program on ${backend.name}`, () => {
    const db = backend.use()
    const start = usePrograms()
    const NEW_YORK = { TZ: "America/New_York" }

    it("the spawned program really runs in New York time", async () => {
      const offsetMinutes = execFileSync(process.execPath, ["-e", "console.log(new Date(Date.UTC(2026, 0, 12)).getTimezoneOffset())"], {
        env: { ...process.env, ...NEW_YORK },
        encoding: "utf8"
      })
      expect(offsetMinutes.trim()).toBe("300")
    })

    it("replies with the stored DATETIME text, unshifted by the process's TZ", async () => {
      const user = uniqueUser("seed")
      await Effect.runPromise(Effect.provide(Effect.void, db.layer()))
      await db.query("INSERT INTO scores (user, points, datetime_stamp) VALUES (?, 7, '2026-01-12 14:30:00')", [user])
      const server = start("server", {
        ...db.env(),
        ...NEW_YORK,
        SERVER_USER: user,
        SERVER_HOST: LOOPBACK,
        SERVER_PORT: "0",
        UPDATE_INTERVAL: "3600"
      })
      const port = await listeningPort(server)
      expect(await tcpExchange(port, "REQUEST_LATEST_POINTS\n")).toBe(`User: ${user}, Points: 7, Last Update: 2026-01-12 14:30:00\n`)
    })

    it("stamps new points in UTC, and the reply is what the database holds", async () => {
      const user = uniqueUser("tz")
      const server = start("server", {
        ...db.env(),
        ...NEW_YORK,
        SERVER_USER: user,
        SERVER_HOST: LOOPBACK,
        SERVER_PORT: "0",
        UPDATE_INTERVAL: "0.2"
      })
      const port = await listeningPort(server)
      const stamp = await eventually("a point, and a reply that agrees with the row", async () => {
        const match = commaReply(user).exec(await tcpExchange(port, "REQUEST_LATEST_POINTS\n"))
        expect(match).not.toBeNull()
        const stored = await db.readRow(user)
        return Number(match![1]) >= 1 && stored?.points === Number(match![1]) && stored.stamp === match![2] ? match![2] : undefined
      })
      // New York is 4-5 hours behind UTC: a stamp written in local time would be hours off, not minutes.
      expect(Math.abs(stampAsUtc(stamp!) - Date.now())).toBeLessThan(Duration.toMillis("10 minutes"))
    })
  })
}
