import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Option, Ref } from "effect"
import { Db, DbError } from "../../src/layers/Db.js"
import { makePointsState } from "../../src/servers/PointsState.js"

/** A server's in-memory state, one operation at a time, on the in-memory store with claims that fail on demand. */
const down = new DbError({ reason: "Query", cause: new Error("connection lost") })

/** The in-memory store whose claims fail while `isDown` is set. */
const outageDb = (isDown: Ref.Ref<boolean>) =>
  Layer.effect(Db, Effect.map(Db, (real) => Db.of({ ...real, claimSlots: (claim) => Effect.flatMap(Ref.get(isDown), (d) => (d ? Effect.fail(down) : real.claimSlots(claim))) }))).pipe(
    Layer.provide(Db.layerMemory())
  )

const run = <A, E, R>(test: (isDown: Ref.Ref<boolean>, db: typeof Db.Service) => Effect.Effect<A, E, R | Db>) =>
  Effect.gen(function*() {
    const isDown = yield* Ref.make(false)
    return yield* Effect.flatMap(Db, (db) => test(isDown, db)).pipe(Effect.provide(outageDb(isDown)))
  })

const LINE = /^User: ana, Points: (\d+), Last Update: (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)\n$/

describe("a server's points state", () => {
  it.scoped("with no row, answers an error in both dialects (a line in seed 002's, bare in seed 001's)", () =>
    run(() =>
      Effect.gen(function*() {
        const state = yield* makePointsState("ana", { pointsPerTick: 1, maxOwed: 10 })
        expect(state.reply("REQUEST_LATEST_POINTS")).toBe("ERROR no points row for ana\n")
        expect(state.reply("get_data")).toBe("ERROR no points row for ana")
      })))

  it.scoped("a claim writes through: the next reply shows it, and says what it did", () =>
    run((_, real) =>
      Effect.gen(function*() {
        yield* real.ensureUser("ana")
        const state = yield* makePointsState("ana", { pointsPerTick: 5, maxOwed: 10 })
        expect(LINE.exec(state.reply("REQUEST_LATEST_POINTS"))![1]).toBe("0")
        const outcome = yield* state.claim([3, 1, 3])
        expect(outcome).toEqual({ _tag: "Written", claimed: 2, tried: 2, paused: false })
        expect(LINE.exec(state.reply("REQUEST_LATEST_POINTS"))![1]).toBe("10")
        expect(state.reply("get_data")).toMatch(/^User: ana \| Points: 10 \| Last Update: /)
        expect((yield* state.get).revision).toBe(1)
      })))

  it.scoped("in an outage, slots are owed (sorted, once each, the newest maxOwed) and the answer stays exact", () =>
    run((isDown, real) =>
      Effect.gen(function*() {
        yield* real.ensureUser("ana")
        const state = yield* makePointsState("ana", { pointsPerTick: 2, maxOwed: 3 })
        yield* Ref.set(isDown, true)
        expect(yield* state.claim([5])).toMatchObject({ _tag: "Owed", owed: 1 })
        expect(yield* state.claim([2, 5, 4])).toMatchObject({ _tag: "Owed", owed: 3 })
        const outcome = yield* state.claim([7])
        expect(outcome).toMatchObject({ _tag: "Owed", owed: 3 })
        const view = yield* state.get
        expect(view.owed).toEqual([4, 5, 7])
        expect(Option.isSome(view.owedStamp)).toBe(true)
        // The row's 0 plus three owed slots of 2, stamped with the last owed tick.
        const [, answered, stamp] = LINE.exec(state.reply("REQUEST_LATEST_POINTS"))!
        expect(answered).toBe("6")
        expect(stamp).toBe(Option.getOrThrow(view.owedStamp))
        // Back: the catch-up claims the owed slots with the new one, still the newest maxOwed, and owes nothing.
        yield* Ref.set(isDown, false)
        expect(yield* state.claim([8])).toEqual({ _tag: "Written", claimed: 3, tried: 3, paused: false })
        expect((yield* state.get).owed).toEqual([])
        expect(LINE.exec(state.reply("REQUEST_LATEST_POINTS"))![1]).toBe("6")
      })))

  it.scoped("a paused user's ticks are not owed in an outage", () =>
    run((isDown, real) =>
      Effect.gen(function*() {
        yield* real.ensureUser("ana")
        yield* real.setPaused("ana", true)
        const state = yield* makePointsState("ana", { pointsPerTick: 1, maxOwed: 10 })
        expect((yield* state.get).paused).toBe(true)
        yield* Ref.set(isDown, true)
        expect(yield* state.claim([1, 2])).toMatchObject({ _tag: "Owed", owed: 0 })
        expect((yield* state.get).revision).toBe(0)
      })))

  it.scoped("a snapshot applies only when no write came after it was read and nothing is owed", () =>
    run((isDown, real) =>
      Effect.gen(function*() {
        yield* real.ensureUser("ana")
        const state = yield* makePointsState("ana", { pointsPerTick: 1, maxOwed: 10 })
        yield* real.claimSlots({ user: "ana", slots: [1, 2, 3], pointsPerTick: 1 })
        const fresh = yield* real.findSnapshot("ana")
        // Read at revision 0, applied at revision 0: taken.
        yield* state.applySnapshot(fresh, 0)
        expect(LINE.exec(state.reply("REQUEST_LATEST_POINTS"))![1]).toBe("3")
        expect((yield* state.get).revision).toBe(1)
        // A read taken before that (revision 0) is older than the state: ignored.
        yield* state.applySnapshot(Option.none(), 0)
        expect(LINE.exec(state.reply("REQUEST_LATEST_POINTS"))![1]).toBe("3")
        // With slots owed, even a current read is ignored: it knows nothing of them.
        yield* Ref.set(isDown, true)
        yield* state.claim([9])
        const revision = (yield* state.get).revision
        yield* state.applySnapshot(fresh, revision)
        expect(LINE.exec(state.reply("REQUEST_LATEST_POINTS"))![1]).toBe("4")
      })))
})
