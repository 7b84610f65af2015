import { describe, expect, it } from "@effect/vitest"
import { DateTime, type Duration, Effect, Fiber, HashMap, Layer, Logger, LogLevel, Option, Ref, TestClock } from "effect"
import { Db, DbError, type DbShape } from "../../src/layers/Db.js"
import { Metrics } from "../../src/layers/Metrics.js"
import { Ticker } from "../../src/layers/Ticker.js"
import type { Slot } from "../../src/schema/PointTick.js"
import { makePointsState } from "../../src/servers/PointsState.js"
import { pruneLedger, refreshPoints, updatePoints } from "../../src/servers/PointsUpdates.js"

// Layer-swapped: the in-memory Db (same semantics as SQL: the contract tests run both) and TestClock, so
// every count is exact. TestClock starts at the epoch: slot n of a 1 s interval starts at n seconds.

const layers = (interval: Duration.DurationInput = "1 second", zone?: DateTime.TimeZone) =>
  Layer.mergeAll(Db.layerMemory(zone), Ticker.layer(interval), Metrics.layerMemory)

interface StartOptions {
  readonly pointsPerTick?: number
  readonly refresh?: Duration.DurationInput
  readonly maxOwed?: number
}

/** startWriter on a store whose claims and snapshots fail while `isDown` is set (the user's row made first). */
const writerBehindFlakyDb = (user: string, options: StartOptions = {}) =>
  Effect.gen(function*() {
    const real = yield* Db
    const isDown = yield* Ref.make(false)
    yield* real.ensureUser(user)
    const writer = yield* Effect.provideService(startWriter(user, options), Db, flaky(real, isDown, yield* Ref.make(0)))
    return { ...writer, real, isDown }
  })

/** A server's write side without its socket: state, update fiber and refresh fiber, on the test's scope. */
const startWriter = (user: string, options: StartOptions = {}) =>
  Effect.gen(function*() {
    const pointsPerTick = options.pointsPerTick ?? 1
    const writes = { pointsPerTick, maxOwed: options.maxOwed ?? 1000 }
    const state = yield* makePointsState(user, writes)
    const updates = yield* Effect.forkScoped(updatePoints(state, writes))
    yield* Effect.forkScoped(refreshPoints([{ state, pointsPerTick }], { interval: options.refresh ?? "1 hour" }))
    return { state, updates, reply: () => state.reply("REQUEST_LATEST_POINTS") }
  })

const points = (user: string) => Effect.flatMap(Db, (db) => db.findUser(user)).pipe(Effect.map(Option.map((row) => row.points)))
const slots = (user: string) =>
  Effect.flatMap(Db, (db) => db.listHistory({ user, limit: 100_000 })).pipe(Effect.map((rows) => rows.map((r) => r.slot).sort((a, b) => a - b)))
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i)
const down = new DbError({ reason: "Query", cause: new Error("connection lost") })

/** The store, with claims failing while `isDown` is set (an outage) or committing and then failing (`lostReply`). */
const flaky = (real: DbShape, isDown: Ref.Ref<boolean>, lostReply: Ref.Ref<number>) =>
  Db.of({
    ...real,
    findSnapshot: (user) => Effect.flatMap(Ref.get(isDown), (d) => (d ? Effect.fail(down) : real.findSnapshot(user))),
    findSnapshots: (users) => Effect.flatMap(Ref.get(isDown), (d) => (d ? Effect.fail(down) : real.findSnapshots(users))),
    claimSlots: (claim) =>
      Effect.gen(function*() {
        if (yield* Ref.get(isDown)) return yield* Effect.fail(down)
        const result = yield* real.claimSlots(claim)
        // The transaction committed, but its reply never arrived: the caller sees a failure.
        if ((yield* Ref.getAndUpdate(lostReply, (n) => Math.max(0, n - 1))) > 0) return yield* Effect.fail(down)
        return result
      })
  })

/** The store, with the next claim after `slow` is set taking `delay` (a write that hangs) before it commits. */
const sluggish = (real: DbShape, slow: Ref.Ref<boolean>, delay: Duration.DurationInput) =>
  Db.of({
    ...real,
    claimSlots: (claim) =>
      Effect.flatMap(Ref.getAndSet(slow, false), (s) => (s ? Effect.zipRight(Effect.sleep(delay), real.claimSlots(claim)) : real.claimSlots(claim)))
  })

describe("update fiber", () => {
  it.scoped("adds exactly one point per interval, at the wall clock's boundaries, and none after interruption", () =>
    Effect.gen(function*() {
      yield* Effect.flatMap(Db, (db) => db.ensureUser("dave"))
      const { updates } = yield* startWriter("dave")
      yield* TestClock.adjust("999 millis")
      expect(yield* points("dave")).toEqual(Option.some(0))
      yield* TestClock.adjust("1 millis")
      expect(yield* points("dave")).toEqual(Option.some(1))
      yield* TestClock.adjust("4 seconds")
      expect(yield* points("dave")).toEqual(Option.some(5))
      expect(yield* slots("dave")).toEqual([1, 2, 3, 4, 5])
      yield* Fiber.interrupt(updates)
      yield* TestClock.adjust("10 seconds")
      expect(yield* points("dave")).toEqual(Option.some(5))
    }).pipe(Effect.provide(layers())))

  it.scoped("aligns slots to the wall clock, not to its start: slot = floor(epoch / interval)", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(61_500) // 1 min 1.5 s after the epoch; the 30 s boundaries are at 90 s, 120 s…
      yield* Effect.flatMap(Db, (db) => db.ensureUser("dave"))
      yield* startWriter("dave")
      yield* TestClock.adjust("28499 millis")
      expect(yield* points("dave")).toEqual(Option.some(0))
      yield* TestClock.adjust("1 millis")
      expect(yield* slots("dave")).toEqual([3])
      yield* TestClock.adjust("30 seconds")
      expect(yield* slots("dave")).toEqual([3, 4])
    }).pipe(Effect.provide(layers("30 seconds"))))

  it.scoped("stamps each point with the clock's time in the configured zone", () =>
    Effect.gen(function*() {
      const db = yield* Db
      yield* db.ensureUser("dave")
      yield* startWriter("dave")
      yield* TestClock.adjust("90 seconds")
      expect(Option.map(yield* db.findUser("dave"), (r) => [r.points, r.datetime_stamp])).toEqual(Option.some([3, "1970-01-01 08:01:30"]))
    }).pipe(Effect.provide(layers("30 seconds", DateTime.zoneMakeOffset(8 * 3600_000)))))

  it.scoped("adds POINTS_PER_TICK per interval; the ledger still counts intervals", () =>
    Effect.gen(function*() {
      yield* Effect.flatMap(Db, (db) => db.ensureUser("afif"))
      const { reply } = yield* startWriter("afif", { pointsPerTick: 10 })
      yield* TestClock.adjust("3 seconds")
      expect(yield* points("afif")).toEqual(Option.some(30))
      expect(yield* slots("afif")).toEqual([1, 2, 3])
      expect(reply()).toBe("User: afif, Points: 30, Last Update: 1970-01-01 00:00:03\n")
    }).pipe(Effect.provide(layers())))

  it.scoped("owes the slots the database refused, answers exactly meanwhile, and claims exactly those slots when it is back", () =>
    Effect.gen(function*() {
      const { isDown, reply } = yield* writerBehindFlakyDb("dave", { refresh: "1 second" })
      yield* TestClock.adjust("2 seconds")
      expect(yield* points("dave")).toEqual(Option.some(2))
      yield* Ref.set(isDown, true)
      yield* TestClock.adjust("3 seconds") // slots 3, 4, 5 are owed
      expect(yield* points("dave")).toEqual(Option.some(2))
      // The answer counts the owed points, stamped with the last tick's time.
      expect(reply()).toBe("User: dave, Points: 5, Last Update: 1970-01-01 00:00:05\n")
      yield* Ref.set(isDown, false)
      yield* TestClock.adjust("1 second") // slot 6's write claims 3, 4, 5 and 6
      expect(yield* points("dave")).toEqual(Option.some(6))
      expect(yield* slots("dave")).toEqual(range(1, 6))
      expect(reply()).toBe("User: dave, Points: 6, Last Update: 1970-01-01 00:00:06\n")
    }).pipe(Effect.provide(layers())))

  it.scoped("catches up owed slots through the refresh within REFRESH_INTERVAL, not only at the next tick", () =>
    Effect.gen(function*() {
      const { isDown } = yield* writerBehindFlakyDb("dave", { refresh: "1 second" })
      yield* TestClock.adjust("30 seconds")
      yield* Ref.set(isDown, true)
      yield* TestClock.adjust("60 seconds") // slots 2 and 3 are owed
      yield* Ref.set(isDown, false)
      expect(yield* points("dave")).toEqual(Option.some(1))
      yield* TestClock.adjust("1 second") // the next tick is 29 s away; the refresh claims them now
      expect(yield* points("dave")).toEqual(Option.some(3))
      expect(yield* slots("dave")).toEqual([1, 2, 3])
    }).pipe(Effect.provide(layers("30 seconds"))))

  it.scoped("a write that committed but whose reply was lost is retried without a second count", () =>
    Effect.gen(function*() {
      const real = yield* Db
      const lostReply = yield* Ref.make(0)
      yield* real.ensureUser("dave")
      const { reply } = yield* Effect.provideService(startWriter("dave"), Db, flaky(real, yield* Ref.make(false), lostReply))
      yield* TestClock.adjust("2 seconds")
      yield* Ref.set(lostReply, 1)
      yield* TestClock.adjust("1 second") // slot 3 commits, the server sees a failure and owes it
      expect(yield* points("dave")).toEqual(Option.some(3))
      expect(reply()).toBe("User: dave, Points: 3, Last Update: 1970-01-01 00:00:03\n")
      yield* TestClock.adjust("1 second") // slot 4's write retries slot 3: a no-op
      expect(yield* points("dave")).toEqual(Option.some(4))
      expect(yield* slots("dave")).toEqual([1, 2, 3, 4])
      expect(reply()).toBe("User: dave, Points: 4, Last Update: 1970-01-01 00:00:04\n")
    }).pipe(Effect.provide(layers())))

  it.scoped("three replicas of one user on one store add exactly one point per interval in total", () =>
    Effect.gen(function*() {
      yield* Effect.flatMap(Db, (db) => db.ensureUser("dave"))
      const replicas = yield* Effect.all([1, 2, 3].map(() => startWriter("dave", { refresh: "1 second" })))
      yield* TestClock.adjust("20 seconds")
      expect(yield* points("dave")).toEqual(Option.some(20))
      expect(yield* slots("dave")).toEqual(range(1, 20))
      // Each replica answers the total (the claimer at once, the others from their last claim's read-back).
      yield* TestClock.adjust("500 millis")
      for (const replica of replicas) expect(replica.reply()).toMatch(/^User: dave, Points: 20, /)
    }).pipe(Effect.provide(layers())))

  it.scoped("a write that hangs longer than an interval: the slots in the gap are claimed with the next one", () =>
    Effect.gen(function*() {
      const real = yield* Db
      const slow = yield* Ref.make(false)
      yield* real.ensureUser("dave")
      yield* Effect.provideService(startWriter("dave"), Db, sluggish(real, slow, "2500 millis"))
      yield* TestClock.adjust("1 second")
      yield* Ref.set(slow, true)
      yield* TestClock.adjust("1 second") // slot 2's write takes until 4.5 s: slots 3 and 4 pass unseen
      yield* TestClock.adjust("4 seconds") // at 5 s the fiber claims 3, 4 and 5; then 6
      expect(yield* slots("dave")).toEqual(range(1, 6))
      expect(yield* points("dave")).toEqual(Option.some(6))
    }).pipe(Effect.provide(layers())))

  it.scoped("a write that hangs across more than maxOwed intervals: the gap's newest maxOwed slots are claimed", () =>
    Effect.gen(function*() {
      const real = yield* Db
      const slow = yield* Ref.make(false)
      yield* real.ensureUser("erin")
      yield* Effect.provideService(startWriter("erin", { maxOwed: 3 }), Db, sluggish(real, slow, "6500 millis"))
      yield* TestClock.adjust("1 second")
      yield* Ref.set(slow, true)
      yield* TestClock.adjust("1 second") // slot 2's write takes until 8.5 s: slots 3 to 8 pass unseen
      yield* TestClock.adjust("7 seconds") // at 9 s the fiber claims the gap's newest three, 7, 8 and 9
      expect(yield* slots("erin")).toEqual([1, 2, 7, 8, 9])
    }).pipe(Effect.provide(layers())))

  it.scoped("owes at most maxOwed slots (the newest) through a long outage", () =>
    Effect.gen(function*() {
      const { isDown, state } = yield* writerBehindFlakyDb("dave", { maxOwed: 5 })
      yield* Ref.set(isDown, true)
      yield* TestClock.adjust("8 seconds")
      expect((yield* state.get).owed).toEqual(range(4, 8))
      yield* Ref.set(isDown, false)
      yield* TestClock.adjust("1 second")
      expect(yield* slots("dave")).toEqual(range(5, 9))
    }).pipe(Effect.provide(layers())))
})

describe("pause", () => {
  it.scoped("a paused user's ticks are skipped and not owed; its servers keep answering; resume adds again", () =>
    Effect.gen(function*() {
      const db = yield* Db
      yield* db.ensureUser("dave")
      const { reply, state } = yield* startWriter("dave", { refresh: "1 second" })
      yield* TestClock.adjust("2 seconds")
      yield* db.setPaused("dave", true)
      yield* TestClock.adjust("1 second")
      expect((yield* state.get).paused).toBe(true)
      yield* TestClock.adjust("5 seconds")
      expect(yield* points("dave")).toEqual(Option.some(2))
      expect(reply()).toBe("User: dave, Points: 2, Last Update: 1970-01-01 00:00:02\n")
      yield* db.setPaused("dave", false)
      yield* TestClock.adjust("2 seconds")
      expect(yield* points("dave")).toEqual(Option.some(4))
      expect(yield* slots("dave")).toEqual([1, 2, 9, 10])
    }).pipe(Effect.provide(layers())))

  it.scoped("the stall alert's gauges: paused, the interval, and when points last moved, from the first tick on", () =>
    Effect.gen(function*() {
      const db = yield* Db
      const metrics = yield* Metrics
      const gauge = (name: string) =>
        Effect.promise(() => metrics.registry.getSingleMetric(name)!.get()).pipe(
          Effect.map((got) => got.values.find((value) => value.labels.user === "erin")?.value)
        )
      yield* db.ensureUser("erin")
      yield* startWriter("erin", { refresh: "1 second" })
      yield* Effect.yieldNow()
      expect([yield* gauge("scoreline_user_paused"), yield* gauge("scoreline_update_interval_seconds")]).toEqual([0, 1])
      expect(yield* gauge("scoreline_points_last_change_timestamp_seconds")).toBe(0)
      yield* TestClock.adjust("2 seconds")
      expect(yield* gauge("scoreline_points_last_change_timestamp_seconds")).toBe(2)
      yield* db.setPaused("erin", true)
      yield* TestClock.adjust("3 seconds")
      expect(yield* gauge("scoreline_user_paused")).toBe(1)
      expect(yield* gauge("scoreline_points_last_change_timestamp_seconds")).toBe(2)
    }).pipe(Effect.provide(layers())))

  it.scoped("a tick during an outage is not owed while the user is known to be paused", () =>
    Effect.gen(function*() {
      const real = yield* Db
      const isDown = yield* Ref.make(false)
      yield* real.ensureUser("dave")
      // Paused before the server starts: its state knows it from its first read.
      yield* real.setPaused("dave", true)
      const { reply, state } = yield* Effect.provideService(startWriter("dave"), Db, flaky(real, isDown, yield* Ref.make(0)))
      yield* Ref.set(isDown, true)
      yield* TestClock.adjust("3 seconds")
      expect((yield* state.get).owed).toEqual([])
      expect(reply()).toBe("User: dave, Points: 0, Last Update: 1970-01-01 00:00:00\n")
    }).pipe(Effect.provide(layers())))
})

describe("freshness", () => {
  it.scoped("own writes are visible to the very next request, without a refresh", () =>
    Effect.gen(function*() {
      yield* Effect.flatMap(Db, (db) => db.ensureUser("dave"))
      const { reply } = yield* startWriter("dave", { refresh: "1 hour" })
      yield* TestClock.adjust("1 second")
      expect(reply()).toBe("User: dave, Points: 1, Last Update: 1970-01-01 00:00:01\n")
    }).pipe(Effect.provide(layers())))

  it.scoped("others' writes (an admin's edit, a reset) are answered within REFRESH_INTERVAL", () =>
    Effect.gen(function*() {
      const db = yield* Db
      yield* db.ensureUser("dave")
      const { reply } = yield* startWriter("dave", { refresh: "1 second" })
      yield* TestClock.adjust("100 millis")
      yield* db.addPoints("dave", 41)
      expect(reply()).toMatch(/Points: 0,/) // not yet: the server answers from memory
      yield* TestClock.adjust("900 millis")
      expect(reply()).toBe("User: dave, Points: 41, Last Update: 1970-01-01 00:00:00\n")
      yield* TestClock.adjust("59 seconds") // slot 1 (at 60 s): its own write, visible at once
      expect(reply()).toBe("User: dave, Points: 42, Last Update: 1970-01-01 00:01:00\n")
      yield* TestClock.adjust("100 millis")
      yield* db.resetPoints("dave")
      yield* TestClock.adjust("900 millis")
      expect(reply()).toBe("User: dave, Points: 0, Last Update: 1970-01-01 00:01:00\n")
    }).pipe(Effect.provide(layers("1 minute"))))

  it.scoped("the database load is bounded by time, not by requests: a million replies, the same queries", () =>
    Effect.gen(function*() {
      const db = yield* Db
      yield* db.ensureUser("dave")
      const { reply } = yield* startWriter("dave", { refresh: "1 second" })
      const queriesIn = (requests: number) =>
        Effect.gen(function*() {
          const before = yield* db.queries
          for (let second = 0; second < 10; second++) {
            for (let i = 0; i < requests / 10; i++) reply()
            yield* TestClock.adjust("1 second")
          }
          return (yield* db.queries) - before
        })
      const idle = yield* queriesIn(0)
      const loaded = yield* queriesIn(1_000_000)
      // 10 refreshes and 10 claims per 10 s, whatever the request rate.
      expect(idle).toBe(20)
      expect(loaded).toBe(idle)
    }).pipe(Effect.provide(layers())))
})

describe("pruning", () => {
  it.scoped("deletes ledger rows older than HISTORY_RETENTION, a bounded batch per minute", () =>
    Effect.gen(function*() {
      const db = yield* Db
      yield* db.ensureUser("dave")
      yield* startWriter("dave")
      yield* Effect.forkScoped(pruneLedger({ retention: "10 minutes", limit: 1_000 }))
      yield* TestClock.adjust("30 minutes")
      const kept = yield* slots("dave")
      // Pruned at minute 30: rows recorded before minute 20 are gone (slot n is recorded at 10 n seconds).
      expect(kept[0]).toBe(120)
      expect(kept.at(-1)).toBe(180)
      expect(yield* points("dave")).toEqual(Option.some(180))
    }).pipe(Effect.provide(layers("10 seconds"))))

  it.scoped("at most `limit` rows per pass", () =>
    Effect.gen(function*() {
      const db = yield* Db
      yield* db.ensureUser("dave")
      yield* db.claimSlots({ user: "dave", slots: range(1, 50), pointsPerTick: 1 })
      yield* TestClock.adjust("1 hour")
      yield* Effect.forkScoped(pruneLedger({ retention: "1 minute", limit: 20 }))
      yield* TestClock.adjust("1 minute")
      expect((yield* slots("dave")).length).toBe(30)
      yield* TestClock.adjust("2 minutes")
      expect(yield* slots("dave")).toEqual([])
    }).pipe(Effect.provide(layers())))
})

/** A metric's value for the sample whose labels include `labels`, from the Metrics layer's registry. */
const metricValue = (name: string, labels: Record<string, string>) =>
  Effect.flatMap(Metrics, ({ registry }) => Effect.promise(() => registry.getSingleMetric(name)!.get())).pipe(
    Effect.map((metric) => metric.values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l))?.value)
  )

describe("logs", () => {
  interface Line {
    readonly level: string
    readonly message: string
    readonly annotations: Record<string, unknown>
  }
  /** Every log line the writer makes, down to debug, as level, message and annotations. */
  const collecting = (lines: Array<Line>) =>
    Layer.merge(
      Logger.replace(Logger.defaultLogger, Logger.make(({ annotations, logLevel, message }) => {
        lines.push({
          level: logLevel.label,
          message: (Array.isArray(message) ? message : [message]).map(String).join(" "),
          annotations: Object.fromEntries(HashMap.toEntries(annotations))
        })
      })),
      Logger.minimumLogLevel(LogLevel.Debug)
    )
  const since = (lines: ReadonlyArray<Line>, from: number) => lines.slice(from).map(({ annotations, level, message }) => ({ level, message, annotations }))

  // The words are an interface: operators grep them, and the bench parses "point added" with its slot.
  it.scoped("each outcome is one line with its level and annotations: added, owed, caught up, counted elsewhere, paused", () => {
    const lines: Array<Line> = []
    return Effect.gen(function*() {
      const { real, isDown } = yield* writerBehindFlakyDb("dave", { refresh: "1 hour", pointsPerTick: 2 })
      yield* TestClock.adjust("1 second")
      expect(since(lines, 0)).toEqual([{ level: "INFO", message: "point added", annotations: { slot: 1, points: 2 } }])

      yield* Ref.set(isDown, true)
      let mark = lines.length
      yield* TestClock.adjust("2 seconds")
      expect(since(lines, mark)).toEqual([
        { level: "WARN", message: "point not added yet: owed until the database is back", annotations: { slot: 2, owed: 1, error: down.message } },
        { level: "WARN", message: "point not added yet: owed until the database is back", annotations: { slot: 3, owed: 2, error: down.message } }
      ])

      yield* Ref.set(isDown, false)
      mark = lines.length
      yield* TestClock.adjust("1 second")
      expect(since(lines, mark)).toEqual([{ level: "INFO", message: "points added, outage caught up", annotations: { slot: 4, slots: 3, points: 6 } }])

      // A replica that comes second to a slot, and a paused user: debug lines only.
      yield* startWriter("dave", { refresh: "1 hour", pointsPerTick: 2 })
      mark = lines.length
      yield* TestClock.adjust("1 second")
      expect(since(lines, mark).map((line) => [line.level, line.message, line.annotations])).toEqual(expect.arrayContaining([
        ["INFO", "point added", { slot: 5, points: 2 }],
        ["DEBUG", "slot already counted (another replica)", { slot: 5 }]
      ]))
      yield* real.setPaused("dave", true)
      mark = lines.length
      yield* TestClock.adjust("1 second")
      expect(since(lines, mark).map((line) => [line.level, line.message, line.annotations])).toEqual([
        ["DEBUG", "tick skipped: updates paused", { slot: 6 }],
        ["DEBUG", "tick skipped: updates paused", { slot: 6 }]
      ])
    }).pipe(Effect.provide(Layer.merge(layers(), collecting(lines))))
  })

  it.scoped("a refresh during an outage is a debug line (the tick's warning is enough)", () => {
    const lines: Array<Line> = []
    return Effect.gen(function*() {
      const { isDown } = yield* writerBehindFlakyDb("erin", { refresh: "500 millis" })
      yield* Ref.set(isDown, true)
      yield* TestClock.adjust("1700 millis")
      const debug = lines.filter((line) => line.level === "DEBUG").map((line) => line.message)
      expect(debug).toContain("owed points not added yet")
      expect(debug).toContain("state not refreshed: database unavailable")
      expect(lines.filter((line) => line.level === "WARN")).toHaveLength(1)
      expect(lines.find((line) => line.message === "owed points not added yet")!.annotations).toEqual({ owed: 1, error: down.message })
    }).pipe(Effect.provide(Layer.merge(layers(), collecting(lines))))
  })

  it.scoped("pruning says how many rows it deleted, or that it could not; and counts the failure under operation prune", () => {
    const lines: Array<Line> = []
    return Effect.gen(function*() {
      const real = yield* Db
      const isDown = yield* Ref.make(false)
      yield* real.ensureUser("fay")
      yield* real.claimSlots({ user: "fay", slots: [1, 2, 3] as ReadonlyArray<Slot>, pointsPerTick: 1 })
      const db = Db.of({ ...real, pruneHistory: (options) => Effect.flatMap(Ref.get(isDown), (d) => (d ? Effect.fail(down) : real.pruneHistory(options))) })
      yield* Effect.forkScoped(Effect.provideService(pruneLedger({ retention: "10 seconds", limit: 100 }), Db, db))
      yield* TestClock.adjust("61 seconds")
      expect(lines.filter((line) => line.message.startsWith("history")).map(({ annotations, message }) => [message, annotations])).toEqual([["history pruned", { deleted: 3 }]])
      yield* Ref.set(isDown, true)
      yield* TestClock.adjust("60 seconds")
      expect(lines.at(-1)).toEqual({ level: "DEBUG", message: "history not pruned: database unavailable", annotations: { error: down.message } })
      expect(yield* metricValue("scoreline_database_errors_total", { operation: "prune" })).toBe(1)
    }).pipe(Effect.provide(Layer.merge(layers(), collecting(lines))))
  })

  it.scoped("the counters: points added by user, and each failed write under its operation (tick, refresh)", () =>
    Effect.gen(function*() {
      const { isDown } = yield* writerBehindFlakyDb("gus", { refresh: "1 second", pointsPerTick: 3 })
      yield* TestClock.adjust("2 seconds")
      expect(yield* metricValue("scoreline_points_added_total", { user: "gus" })).toBe(6)
      yield* Ref.set(isDown, true)
      yield* TestClock.adjust("1500 millis")
      expect(yield* metricValue("scoreline_database_errors_total", { operation: "tick" })).toBe(1)
      expect(yield* metricValue("scoreline_database_errors_total", { operation: "refresh" })).toBeGreaterThanOrEqual(1)
      yield* Ref.set(isDown, false)
      yield* TestClock.adjust("1 second")
      // The outage's slot and this one, 3 points each.
      expect(yield* metricValue("scoreline_points_added_total", { user: "gus" })).toBe(12)
    }).pipe(Effect.provide(layers())))
})
