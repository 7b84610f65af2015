import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, Layer, Option, TestClock } from "effect"
import { readToEnd } from "../support/memory.js"
import { Db } from "../../src/layers/Db.js"
import { Metrics } from "../../src/layers/Metrics.js"
import { bindPointsServer, runPointsServers } from "../../src/servers/PointsServer.js"
import type { TransportKind } from "../../src/schema/TransportKind.js"
import { Ticker } from "../../src/layers/Ticker.js"
import { Transport } from "../../src/layers/Transport.js"

// Layer-swapped: in-memory Db and Transport, TestClock time. Real sockets are covered in test/programs/; the
// update, refresh and prune fibers in PointsUpdates.test.ts.
const TestLayers = Layer.mergeAll(Db.layerMemory(), Ticker.layer("30 seconds"), Transport.layerMemory, Metrics.layerMemory)

const startServer = (transport: TransportKind = "tcp", user = "ikhwan") =>
  Effect.gen(function*() {
    const server = yield* bindPointsServer({ user, transport, host: "memory", port: 0, idleTimeout: "60 seconds", refreshInterval: "1 second" })
    yield* Effect.forkScoped(runPointsServers([server], { refreshInterval: "1 second" }))
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
