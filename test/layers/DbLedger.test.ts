import { expect, it } from "@effect/vitest"
import { Effect, Option, TestClock } from "effect"
import { Db } from "../../src/layers/Db.js"
import { uniqueUser } from "../programs/harness.js"
import { implementations, T0 } from "../support/dbImplementations.js"

/**
 * The Db contract's ledger (point_ticks), history and user control (user_control), against every store.
 * Timestamps come from TestClock, so they are exact.
 */

const points = (user: string) => Effect.flatMap(Db, (db) => db.findUser(user)).pipe(Effect.map(Option.map((row) => row.points)))

for (const implementation of implementations) {
  implementation.describe(`Db ledger and user control: ${implementation.name}`, () => {
    const impl = implementation.use()
    const provided = <A, E>(effect: Effect.Effect<A, E, Db>) => Effect.provide(effect, impl.layer())

    it.effect("claimSlots claims each slot once: points per slot claimed, a slot claimed again adds nothing", () =>
      provided(Effect.gen(function*() {
        const db = yield* Db
        const user = uniqueUser()
        yield* TestClock.setTime(T0)
        yield* db.ensureUser(user)
        const first = yield* db.claimSlots({ user, slots: [100], pointsPerTick: 10 })
        expect(first.claimed).toBe(1)
        expect(Option.map(first.snapshot, (s) => [s.row.points, s.row.datetime_stamp, s.paused])).toEqual(
          Option.some([10, "2026-01-12 14:30:00", false])
        )
        yield* TestClock.adjust("1 minute")
        // A retry of slot 100 (another replica, or a write whose commit was ambiguous) is a no-op.
        const again = yield* db.claimSlots({ user, slots: [100], pointsPerTick: 10 })
        expect(again.claimed).toBe(0)
        expect(Option.map(again.snapshot, (s) => [s.row.points, s.row.datetime_stamp])).toEqual(Option.some([10, "2026-01-12 14:30:00"]))
        // Owed slots mixed with claimed ones: only the new ones count.
        const mixed = yield* db.claimSlots({ user, slots: [99, 100, 101, 101], pointsPerTick: 10 })
        expect(mixed.claimed).toBe(2)
        expect(yield* points(user)).toEqual(Option.some(30))
        const history = yield* db.listHistory({ user, limit: 10 })
        expect(history.map((t) => [t.slot, t.points, t.recorded_at])).toEqual([
          [101, 10, "2026-01-12 14:31:00"],
          [99, 10, "2026-01-12 14:31:00"],
          [100, 10, "2026-01-12 14:30:00"]
        ])
      })))

    it.effect("claimSlots takes hundreds of owed slots in one transaction (more than one INSERT's worth)", () =>
      provided(Effect.gen(function*() {
        const db = yield* Db
        const user = uniqueUser()
        yield* db.ensureUser(user)
        const slots = Array.from({ length: 450 }, (_, i) => 5_000_000_000 + i)
        expect((yield* db.claimSlots({ user, slots, pointsPerTick: 1 })).claimed).toBe(450)
        expect((yield* db.claimSlots({ user, slots: [...slots, 5_000_000_450], pointsPerTick: 1 })).claimed).toBe(1)
        expect(yield* points(user)).toEqual(Option.some(451))
        expect((yield* db.listHistory({ user, limit: 1000 })).length).toBe(451)
      })))

    it.effect("claimSlots says which slots it claimed, in slot order, each with the points just after it", () =>
      provided(Effect.gen(function*() {
        const db = yield* Db
        const user = uniqueUser()
        yield* db.ensureUser(user)
        yield* db.addPoints(user, 10)
        yield* db.claimSlots({ user, slots: [6], pointsPerTick: 3 })
        // 6 is claimed already: of 7, 5, 6, 5 only 5 and 7 count, in slot order.
        const result = yield* db.claimSlots({ user, slots: [7, 5, 6, 5], pointsPerTick: 3 })
        expect(result.claimed).toBe(2)
        expect(result.ticks).toEqual([{ slot: 5, total: 16 }, { slot: 7, total: 19 }])
        expect(Option.map(result.snapshot, (s) => s.row.points)).toEqual(Option.some(19))
        expect(Option.map(yield* db.findUser(user), (row) => row.points)).toEqual(Option.some(19))
      })))

    it.effect("claimSlots claims nothing for a paused user or a user without a row", () =>
      provided(Effect.gen(function*() {
        const db = yield* Db
        const user = uniqueUser()
        yield* db.ensureUser(user)
        yield* db.setPaused(user, true)
        const paused = yield* db.claimSlots({ user, slots: [1, 2], pointsPerTick: 1 })
        expect(paused.claimed).toBe(0)
        expect(Option.map(paused.snapshot, (s) => [s.row.points, s.paused])).toEqual(Option.some([0, true]))
        expect(yield* db.listHistory({ user, limit: 10 })).toEqual([])
        yield* db.setPaused(user, false)
        // Resumed: the same slots are claimable (a paused tick was skipped, not recorded).
        expect((yield* db.claimSlots({ user, slots: [1, 2], pointsPerTick: 1 })).claimed).toBe(2)
        const ghost = uniqueUser("ghost")
        const none = yield* db.claimSlots({ user: ghost, slots: [1], pointsPerTick: 1 })
        expect(none).toEqual({ claimed: 0, ticks: [], snapshot: Option.none() })
        expect(yield* db.listHistory({ user: ghost, limit: 10 })).toEqual([])
      })))

    it.effect("isPaused, setPaused and listPaused: state per user, active unless paused, findSnapshot carries it", () =>
      provided(Effect.gen(function*() {
        const db = yield* Db
        const [a, b] = [uniqueUser("a"), uniqueUser("b")]
        for (const user of [a, b]) yield* db.ensureUser(user)
        expect(yield* db.isPaused(a)).toBe(false)
        yield* db.setPaused(a, true)
        yield* db.setPaused(b, true)
        yield* db.setPaused(b, false)
        expect([yield* db.isPaused(a), yield* db.isPaused(b)]).toEqual([true, false])
        const paused = yield* db.listPaused
        expect(paused.has(a)).toBe(true)
        expect(paused.has(b)).toBe(false)
        expect(Option.map(yield* db.findSnapshot(a), (s) => s.paused)).toEqual(Option.some(true))
        expect(Option.map(yield* db.findSnapshot(b), (s) => s.paused)).toEqual(Option.some(false))
        expect(yield* db.findSnapshot(uniqueUser("ghost"))).toEqual(Option.none())
      })))

    it.effect("resetPoints sets 0 points stamped now, and leaves other users alone", () =>
      provided(Effect.gen(function*() {
        const db = yield* Db
        const [a, b] = [uniqueUser("a"), uniqueUser("b")]
        yield* TestClock.setTime(T0)
        for (const user of [a, b]) {
          yield* db.ensureUser(user)
          yield* db.claimSlots({ user, slots: [7, 8], pointsPerTick: 5 })
        }
        yield* TestClock.adjust("90 seconds")
        yield* db.resetPoints(a)
        expect(Option.map(yield* db.findUser(a), (r) => [r.points, r.datetime_stamp])).toEqual(Option.some([0, "2026-01-12 14:31:30"]))
        expect(yield* points(b)).toEqual(Option.some(10))
      })))

    it.effect("listHistory: newest first across users, limited; pruneHistory deletes old rows, at most `limit`", () =>
      provided(Effect.gen(function*() {
        const db = yield* Db
        const [a, b] = [uniqueUser("a"), uniqueUser("b")]
        // Far in the future, so these are the newest rows of a store the other tests share.
        const base = T0 + 10 * 365 * 86_400_000
        yield* TestClock.setTime(base)
        for (const user of [a, b]) yield* db.ensureUser(user)
        for (let i = 0; i < 4; i++) {
          yield* db.claimSlots({ user: i % 2 === 0 ? a : b, slots: [i], pointsPerTick: 1 })
          yield* TestClock.adjust("1 hour")
        }
        const newest = yield* db.listHistory({ limit: 3 })
        expect(newest.map((t) => [t.user, t.slot])).toEqual([[b, 3], [a, 2], [b, 1]])
        expect((yield* db.listHistory({ user: a, limit: 10 })).map((t) => t.slot)).toEqual([2, 0])
        // Rows recorded before hour 3 are slots 0, 1, 2 (and any older rows other tests left in a shared store):
        // a limit of one less than all of them takes the oldest, leaving slot 2.
        const before = (yield* db.listHistory({ limit: 1 }))[0]!.recorded_at
        const olderThan = "90 minutes" // the clock is an hour past the newest row: cut at hour 2.5
        const older = (yield* db.listHistory({ limit: 100_000 })).filter((t) => t.recorded_at < before).length
        expect(yield* db.pruneHistory({ olderThan, limit: older - 1 })).toBe(older - 1)
        const left = (yield* db.listHistory({ limit: 10 })).filter((t) => t.user === a || t.user === b)
        expect(left.map((t) => t.slot)).toEqual([3, 2])
        expect(yield* db.pruneHistory({ olderThan, limit: 1000 })).toBe(1)
        expect((yield* db.listHistory({ limit: 10 })).filter((t) => t.user === a || t.user === b).map((t) => t.slot)).toEqual([3])
      })))

    it.effect("counts the statements it sends", () =>
      provided(Effect.gen(function*() {
        const db = yield* Db
        const user = uniqueUser()
        const before = yield* db.queries
        yield* db.ensureUser(user)
        yield* db.findSnapshot(user)
        const afterReads = yield* db.queries
        expect(afterReads - before).toBe(2)
        yield* db.claimSlots({ user, slots: [1], pointsPerTick: 1 })
        expect((yield* db.queries) - afterReads).toBeGreaterThanOrEqual(1)
      })))

    if (impl.persistent !== undefined) {
      const persistent = impl.persistent
      it.effect("creates point_ticks (primary key user, slot; index on recorded_at) and user_control", () =>
        Effect.gen(function*() {
          yield* provided(Effect.void)
          if (persistent.dialect === "mysql") {
            const columns = (table: string) =>
              Effect.promise(() => persistent.query<{ Field: string; Type: string; Null: string; Key: string }>(`SHOW COLUMNS FROM ${table}`))
            expect((yield* columns("point_ticks")).map(({ Field, Key, Null, Type }) => [Field, Type, Null, Key])).toEqual([
              ["user", "varchar(50)", "NO", "PRI"],
              ["slot", expect.stringMatching(/^bigint/), "NO", "PRI"],
              ["points", expect.stringMatching(/^int/), "NO", ""],
              ["recorded_at", "datetime", "NO", "MUL"],
              ["total", expect.stringMatching(/^int/), "YES", ""],
              ["event_owed", expect.stringMatching(/^smallint/), "NO", "MUL"]
            ])
            expect((yield* columns("user_control")).map(({ Field, Key, Null, Type }) => [Field, Type, Null, Key])).toEqual([
              ["user", "varchar(50)", "NO", "PRI"],
              ["paused", "tinyint(1)", "NO", ""],
              ["updated_at", "datetime", "NO", ""]
            ])
          } else {
            const columns = (table: string) =>
              Effect.promise(() => persistent.query<{ name: string; type: string; notnull: number; pk: number }>(`PRAGMA table_info(${table})`))
            expect((yield* columns("point_ticks")).map(({ name, notnull, pk, type }) => [name, type, notnull, pk])).toEqual([
              ["user", "VARCHAR(50)", 1, 1],
              ["slot", "BIGINT", 1, 2],
              ["points", "INT", 1, 0],
              ["recorded_at", "DATETIME", 1, 0],
              ["total", "INT", 0, 0],
              ["event_owed", "SMALLINT", 1, 0]
            ])
            expect((yield* columns("user_control")).map(({ name, notnull, pk, type }) => [name, type, notnull, pk])).toEqual([
              ["user", "VARCHAR(50)", 0, 1],
              ["paused", "BOOLEAN", 1, 0],
              ["updated_at", "DATETIME", 1, 0]
            ])
            const indexes = yield* Effect.promise(() => persistent.query<{ name: string }>("PRAGMA index_list(point_ticks)"))
            expect(indexes.map((i) => i.name)).toContain("point_ticks_recorded_at")
            expect(indexes.map((i) => i.name)).toContain("point_ticks_event_owed")
          }
        }))

      it.effect("two stores on one database claiming the same slots at once: each slot counted once", () =>
        Effect.gen(function*() {
          const user = uniqueUser("race")
          yield* provided(Effect.flatMap(Db, (db) => db.ensureUser(user)))
          const slots = Array.from({ length: 20 }, (_, i) => i)
          // Two pools (two "replicas"), each claiming every slot, one claim per slot, all in flight together.
          const claimAll = provided(Effect.gen(function*() {
            const db = yield* Db
            const results = yield* Effect.forEach(slots, (slot) => db.claimSlots({ user, slots: [slot], pointsPerTick: 1 }).pipe(Effect.either), {
              concurrency: "unbounded"
            })
            return results.reduce((sum, r) => sum + (r._tag === "Right" ? r.right.claimed : 0), 0)
          }))
          const [one, two] = yield* Effect.all([claimAll, claimAll], { concurrency: persistent.dialect === "mysql" ? 2 : 1 })
          const stored = yield* provided(points(user))
          expect(one + two).toBe(Option.getOrThrow(stored))
          expect(yield* Effect.promise(() => persistent.query<{ n: number }>("SELECT COUNT(*) AS n FROM point_ticks WHERE user = ?", [user])))
            .toEqual([{ n: Option.getOrThrow(stored) }])
        }))
    }
  })
}
