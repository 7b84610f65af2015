import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Logger, LogLevel, Option, TestClock } from "effect"
import { Db } from "../../src/layers/Db.js"
import { SNAPSHOT_CHUNK } from "../../src/layers/db/common.js"
import { Metrics } from "../../src/layers/Metrics.js"
import { Ticker } from "../../src/layers/Ticker.js"
import { Transport } from "../../src/layers/Transport.js"
import { bindPointsServer, runPointsServers } from "../../src/servers/PointsServer.js"
import { useEmbeddedDb } from "../programs/harness.js"

/**
 * A process's points servers (a stack's) share their upkeep: one refresh round for all of them and one prune,
 * so the database's load at rest does not grow with the number of servers. Counted through the Db layer on
 * the real SQL store (embedded SQLite: every statement it sends), in TestClock time.
 */
describe("a stack's servers share one refresh", () => {
  const db = useEmbeddedDb()
  const users = (count: number, prefix = "user") => Array.from({ length: count }, (_, i) => `${prefix}${String(i).padStart(4, "0")}`)

  /** `count` servers bound on the in-memory network, with their shared fibers running; ticks an hour apart. */
  const stackOf = (count: number) =>
    Effect.gen(function*() {
      const refreshInterval = "1 second"
      const servers = yield* Effect.forEach(users(count), (user) =>
        bindPointsServer({ user, transport: "tcp", host: "memory", port: 0, idleTimeout: "60 seconds", refreshInterval }))
      yield* Effect.forkScoped(runPointsServers(servers, { refreshInterval }))
      return servers
    })

  const layers = () => Layer.mergeAll(db.layer(), Ticker.layer("1 hour"), Transport.layerMemory, Metrics.layerMemory)

  it.scoped("costs one statement per 500 servers a round at rest, not one per server", () =>
    Effect.gen(function*() {
      const store = yield* Db
      for (const count of [1, SNAPSHOT_CHUNK, SNAPSHOT_CHUNK + 100]) {
        // Each stack in a scope of its own: closed before the next one is counted.
        yield* Effect.scoped(Effect.gen(function*() {
          const servers = yield* stackOf(count)
          const before = yield* store.queries
          yield* TestClock.adjust("10 seconds")
          const rounds = 10
          expect(((yield* store.queries) - before) / rounds, `${servers.length} servers`).toBe(Math.ceil(count / SNAPSHOT_CHUNK))
        }))
      }
    }).pipe(Effect.provide(layers()), Logger.withMinimumLogLevel(LogLevel.Warning)), 60_000)

  it.scoped("claims many servers' intervals in a few transactions, each user's slot exactly once", () =>
    Effect.gen(function*() {
      const store = yield* Db
      const names = users(300, "claim")
      yield* Effect.forEach(names, (user) => store.ensureUser(user), { discard: true })
      const before = yield* store.queries
      // As a stack's update fibers do at an interval's boundary: every user's claim at once.
      const results = yield* Effect.forEach(names, (user) => store.claimSlots({ user, slots: [42], pointsPerTick: 2 }), { concurrency: "unbounded" })
      const statements = (yield* store.queries) - before
      expect(results.map((result) => result.ticks)).toEqual(names.map(() => [{ slot: 42, total: 2 }]))
      // Again, as a replica elsewhere would: nothing counts twice.
      const again = yield* Effect.forEach(names, (user) => store.claimSlots({ user, slots: [42], pointsPerTick: 2 }), { concurrency: "unbounded" })
      expect(again.map((result) => result.claimed)).toEqual(names.map(() => 0))
      for (const user of names) expect(Option.map(yield* store.findUser(user), (row) => row.points), user).toEqual(Option.some(2))
      // One transaction per user would be 5 statements each (1,500); batched, a few transactions of 7.
      expect(statements).toBeLessThan(names.length / 4)
    }).pipe(Effect.provide(layers()), Logger.withMinimumLogLevel(LogLevel.Warning)), 60_000)

  it.scoped("brings every server the others' writes within the refresh interval", () =>
    Effect.gen(function*() {
      const store = yield* Db
      const servers = yield* stackOf(SNAPSHOT_CHUNK + 10)
      // Another process (a replica, an admin) writes to some of the rows, and pauses one user.
      const changed = servers.filter((_, i) => i % 97 === 0)
      yield* Effect.forEach(changed, (server) => store.addPoints(server.state.user, 7), { discard: true })
      yield* store.setPaused(changed[0]!.state.user, true)
      yield* TestClock.adjust("1 second")
      for (const server of servers) {
        const view = yield* server.state.get
        const row = yield* store.findSnapshot(server.state.user)
        expect(Option.map(view.row, (r) => r.points), server.state.user).toEqual(Option.map(row, (s) => s.row.points))
        expect(view.paused, server.state.user).toBe(server === changed[0])
      }
      expect(changed.length).toBeGreaterThan(2)
      expect(servers[0]!.state.reply("REQUEST_LATEST_POINTS")).toMatch(/^User: user0000, Points: 7, Last Update: /)
    }).pipe(Effect.provide(layers()), Logger.withMinimumLogLevel(LogLevel.Warning)), 60_000)
})
