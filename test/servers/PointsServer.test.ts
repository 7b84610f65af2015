import { describe, expect, it } from "@effect/vitest"
import { DateTime, Effect, Fiber, Layer, Option, Ref, TestClock } from "effect"
import { readToEnd } from "../support/memory.js"
import { Db, DbError } from "../../src/layers/Db.js"
import { bindPointsServer } from "../../src/servers/PointsServer.js"
import { makePointsState } from "../../src/servers/PointsState.js"
import { updatePoints } from "../../src/servers/PointsUpdates.js"
import type { TransportKind } from "../../src/schema/TransportKind.js"
import { Ticker } from "../../src/layers/Ticker.js"
import { Transport } from "../../src/layers/Transport.js"

// Layer-swapped: in-memory Db and Transport, TestClock time. Real sockets are covered in test/programs/.
const TestLayers = Layer.mergeAll(Db.layerMemory(), Ticker.layer("30 seconds"), Transport.layerMemory)

const startServer = (transport: TransportKind = "tcp", user = "ikhwan") =>
  Effect.gen(function*() {
    const server = yield* bindPointsServer({ user, transport, host: "memory", port: 0, idleTimeout: "60 seconds", refreshInterval: "1 second" })
    yield* Effect.forkScoped(server.run)
    return server.address
  })

const converse = (port: number, ...writes: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    const connection = yield* (yield* Transport).connect({ host: "memory", port })
    for (const data of writes) yield* connection.write(data)
    return connection
  })

const EPOCH_REPLY = "User: ikhwan, Points: 0, Last Update: 1970-01-01 00:00:00\n"

describe("points server over the in-memory transport", () => {
  it.scoped("answers a seed 002 request once and closes", () =>
    Effect.gen(function*() {
      const { port } = yield* startServer()
      const connection = yield* converse(port, "REQUEST_LATEST_POINTS\n")
      expect(yield* readToEnd(connection)).toBe(EPOCH_REPLY)
    }).pipe(Effect.provide(TestLayers)))

  it.scoped("answers the bare command while the client keeps the connection open (seed 002's C client)", () =>
    Effect.gen(function*() {
      const { port } = yield* startServer()
      const connection = yield* converse(port, "REQUEST_LATEST_POINTS")
      expect(yield* readToEnd(connection)).toBe(EPOCH_REPLY)
    }).pipe(Effect.provide(TestLayers)))

  it.scoped("answers a client that half-closes after an unterminated request", () =>
    Effect.gen(function*() {
      const { port } = yield* startServer()
      const connection = yield* converse(port, "REQUEST_LATEST_")
      yield* connection.write("POINTS")
      yield* connection.end
      expect(yield* readToEnd(connection)).toBe(EPOCH_REPLY)
    }).pipe(Effect.provide(TestLayers)))

  it.scoped("keeps a KEEP-ALIVE connection open: one reply per request line, in order", () =>
    Effect.gen(function*() {
      const { port } = yield* startServer()
      const connection = yield* converse(port, "REQUEST_LATEST_POINTS KEEP-ALIVE\nX1\nREQUEST_LATEST_POINTS\nX2\n")
      yield* connection.end
      expect(yield* readToEnd(connection)).toBe(
        `${EPOCH_REPLY}ERROR unknown request "X1"\n${EPOCH_REPLY}ERROR unknown request "X2"\n`
      )
    }).pipe(Effect.provide(TestLayers)))

  it.scoped("speaks seed 001's dialect on the same port: bare pipe replies until quit", () =>
    Effect.gen(function*() {
      const { port } = yield* startServer()
      const connection = yield* converse(port, "get_data\nGET_DATA\r\nnonsense\nquit\nget_data\n")
      const pipe = "User: ikhwan | Points: 0 | Last Update: 1970-01-01 00:00:00"
      expect(yield* readToEnd(connection)).toBe(`${pipe}${pipe}Invalid command. Use 'get_data' or 'quit'`)
    }).pipe(Effect.provide(TestLayers)))

  it.scoped("refuses bad requests and lives on: unknown, empty, non-UTF-8", () =>
    Effect.gen(function*() {
      const { port } = yield* startServer()
      const connection = yield* converse(port, "hello\n", "\n")
      yield* connection.write(new Uint8Array([0xc3, 0x28, 0x0a]))
      yield* connection.write("REQUEST_LATEST_POINTS\n")
      expect(yield* readToEnd(connection)).toBe(
        `ERROR unknown request "hello"\nERROR empty request\nERROR unknown request (not UTF-8)\n${EPOCH_REPLY}`
      )
      // The server is still there for the next client.
      expect(yield* readToEnd(yield* converse(port, "REQUEST_LATEST_POINTS\n"))).toBe(EPOCH_REPLY)
    }).pipe(Effect.provide(TestLayers)))

  it.scoped("closes a connection whose line grows past 1 KiB, with an error first", () =>
    Effect.gen(function*() {
      const { port } = yield* startServer()
      const connection = yield* converse(port, "x".repeat(700), "x".repeat(700))
      expect(yield* readToEnd(connection)).toBe("ERROR request longer than 1024 bytes\n")
    }).pipe(Effect.provide(TestLayers)))

  it.scoped("closes a silent connection after the idle timeout, not before", () =>
    Effect.gen(function*() {
      const { port } = yield* startServer()
      const connection = yield* converse(port)
      const reader = yield* Effect.fork(readToEnd(connection))
      yield* TestClock.adjust("59 seconds")
      expect(Option.isNone(yield* Fiber.poll(reader))).toBe(true)
      yield* TestClock.adjust("1 second")
      expect(yield* Fiber.join(reader)).toBe("")
    }).pipe(Effect.provide(TestLayers)))

  it.scoped("answers UDP datagrams one for one, errors included", () =>
    Effect.gen(function*() {
      const { port } = yield* startServer("udp", "fadhil")
      const transport = yield* Transport
      const ask = (text: string) => Effect.map(transport.exchange({ host: "memory", port }, text), (b) => new TextDecoder().decode(b))
      expect(yield* ask("REQUEST_LATEST_POINTS")).toBe("User: fadhil, Points: 0, Last Update: 1970-01-01 00:00:00\n")
      expect(yield* ask("get_data")).toBe("User: fadhil | Points: 0 | Last Update: 1970-01-01 00:00:00")
      expect(yield* ask("bogus\n")).toBe('ERROR unknown request "bogus"\n')
      expect(yield* ask("y".repeat(2000))).toBe("ERROR request longer than 1024 bytes\n")
    }).pipe(Effect.provide(TestLayers)))
})

describe("update fiber", () => {
  const points = (user: string) => Effect.flatMap(Db, (db) => db.findUser(user)).pipe(Effect.map(Option.map((row) => row.points)))

  it.scoped("adds exactly one point per interval and none after interruption", () =>
    Effect.gen(function*() {
      const db = yield* Db
      yield* db.ensureUser("dave")
      const fiber = yield* Effect.fork(updatePoints(yield* makePointsState("dave", "1 hour")))
      yield* TestClock.adjust("999 millis")
      expect(yield* points("dave")).toEqual(Option.some(0))
      yield* TestClock.adjust("1 millis")
      expect(yield* points("dave")).toEqual(Option.some(1))
      yield* TestClock.adjust("4 seconds")
      expect(yield* points("dave")).toEqual(Option.some(5))
      yield* Fiber.interrupt(fiber)
      yield* TestClock.adjust("10 seconds")
      expect(yield* points("dave")).toEqual(Option.some(5))
    }).pipe(Effect.provide(Layer.mergeAll(Db.layerMemory(), Ticker.layer("1 second")))))

  it.scoped("stamps each point with the clock's time in the configured zone", () =>
    Effect.gen(function*() {
      const db = yield* Db
      yield* db.ensureUser("dave")
      yield* Effect.fork(updatePoints(yield* makePointsState("dave", "1 hour")))
      yield* TestClock.adjust("90 seconds")
      const row = yield* db.findUser("dave")
      expect(Option.map(row, (r) => [r.points, r.datetime_stamp])).toEqual(Option.some([3, "1970-01-01 08:01:30"]))
    }).pipe(Effect.provide(Layer.mergeAll(Db.layerMemory(DateTime.zoneMakeOffset(8 * 3600_000)), Ticker.layer("30 seconds")))))

  it.scoped("owes the points of ticks the database refused, and adds them when it is back", () =>
    Effect.gen(function*() {
      const down = yield* Ref.make(false)
      const real = yield* Db
      // The same store, failing every write while `down` is set: a database outage.
      const flaky = Db.of({
        ...real,
        addPoints: (user, count) =>
          Effect.flatMap(Ref.get(down), (isDown) =>
            isDown ? Effect.fail(new DbError({ reason: "Query", cause: new Error("connection lost") })) : real.addPoints(user, count))
      })
      yield* real.ensureUser("dave")
      yield* Effect.fork(Effect.provideService(updatePoints(yield* makePointsState("dave", "1 hour")), Db, flaky))
      yield* TestClock.adjust("2 seconds")
      expect(yield* points("dave")).toEqual(Option.some(2))
      yield* Ref.set(down, true)
      yield* TestClock.adjust("3 seconds") // ticks 3, 4, 5 fail
      expect(yield* points("dave")).toEqual(Option.some(2))
      yield* Ref.set(down, false)
      yield* TestClock.adjust("1 second") // tick 6 writes 3, 4, 5 and 6
      expect(yield* points("dave")).toEqual(Option.some(6))
      yield* TestClock.adjust("1 second")
      expect(yield* points("dave")).toEqual(Option.some(7))
    }).pipe(Effect.provide(Layer.mergeAll(Db.layerMemory(), Ticker.layer("1 second")))))

  it.scoped("ensureUser creates a 0-point row once and never resets it", () =>
    Effect.gen(function*() {
      const db = yield* Db
      yield* db.ensureUser("erin")
      yield* db.addPoints("erin", 1)
      yield* db.ensureUser("erin")
      expect(yield* points("erin")).toEqual(Option.some(1))
      expect((yield* db.listUsers).map((r) => r.user)).toEqual(["erin"])
    }).pipe(Effect.provide(Db.layerMemory())))
})
