import { describe, expect, it } from "@effect/vitest"
import { Cause, Effect, Exit, Option, Stream } from "effect"
import { echoOverTcp, echoOverUdp } from "../../src/clients/EchoClient.js"
import { bindEchoServer } from "../../src/servers/EchoServer.js"
import { chunks } from "../../src/layers/transport/readToEnd.js"
import { type Connection, Transport } from "../../src/layers/Transport.js"
import { SEED_TCP_MESSAGE, SEED_UDP_MESSAGE } from "../../src/schema/EchoProtocol.js"

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes)

/** The `reason` of the error an effect failed with, or "succeeded". */
const failureReason = <A, E extends { readonly reason: string }, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.map(Effect.exit(effect), (exit) =>
    Exit.isSuccess(exit) ? "succeeded" : Option.match(Cause.failureOption(exit.cause), { onNone: () => "died", onSome: (e) => e.reason }))

/** An echo server on the in-memory transport, accepting in a fiber of the test's scope. */
const startEcho = Effect.gen(function*() {
  const server = yield* bindEchoServer({ host: "memory", tcpPort: 0, udpPort: 0 })
  yield* Effect.forkScoped(server.run)
  return server
})

/** The chunks (one per server write, on the in-memory transport) until `length` bytes came back. */
const readBytes = (connection: Connection, length: number) =>
  chunks(connection).pipe(Stream.runFoldWhile(
    [] as Array<Uint8Array>,
    (received) => received.reduce((count, chunk) => count + chunk.length, 0) < length,
    (received, chunk) => [...received, chunk]
  ))

describe("echo server (in-memory transport)", () => {
  it.scoped("echoes a TCP message in order, in pieces of at most 16 bytes, before the client closes", () =>
    Effect.gen(function*() {
      const server = yield* startEcho
      const transport = yield* Transport
      const connection = yield* transport.connect(server.tcp)
      yield* connection.write(SEED_TCP_MESSAGE)
      // No end() yet: seed 003's client waits for the whole echo before it closes.
      const chunks = yield* readBytes(connection, 91)
      expect(chunks.map(text).join("")).toBe(SEED_TCP_MESSAGE)
      expect(chunks.map((c) => c.length)).toEqual([16, 16, 16, 16, 16, 11])
      yield* connection.end
      expect(yield* connection.read).toEqual(Option.none())
    }).pipe(Effect.provide(Transport.layerMemory)))

  it.scoped("keeps several TCP clients apart", () =>
    Effect.gen(function*() {
      const server = yield* startEcho
      const transport = yield* Transport
      const messages = Array.from({ length: 5 }, (_, i) => `client ${i}: ${"0123456789".repeat(i + 3)}`)
      const connections = yield* Effect.forEach(messages, () => transport.connect(server.tcp))
      // Interleave the writes so the server has every connection open at once.
      yield* Effect.forEach(connections, (c, i) => c.write(messages[i]!.slice(0, 20)))
      yield* Effect.forEach(connections, (c, i) => c.write(messages[i]!.slice(20)))
      const echoes = yield* Effect.forEach(connections, (c, i) => readBytes(c, messages[i]!.length), { concurrency: "unbounded" })
      expect(echoes.map((chunks) => chunks.map(text).join(""))).toEqual(messages)
    }).pipe(Effect.provide(Transport.layerMemory)))

  it.scoped("echoes a UDP datagram whole", () =>
    Effect.gen(function*() {
      const server = yield* startEcho
      const transport = yield* Transport
      expect(text(yield* transport.exchange(server.udp, SEED_UDP_MESSAGE))).toBe(SEED_UDP_MESSAGE)
    }).pipe(Effect.provide(Transport.layerMemory)))
})

describe("echo client (in-memory transport)", () => {
  it.scoped("hands over the echo in 16-byte pieces and verifies it", () =>
    Effect.gen(function*() {
      const server = yield* startEcho
      const pieces: Array<string> = []
      const echoed = yield* echoOverTcp({ ...server.tcp, timeout: "2 seconds" as const }, SEED_TCP_MESSAGE, (piece) =>
        Effect.sync(() => pieces.push(text(piece))))
      expect(text(echoed)).toBe(SEED_TCP_MESSAGE)
      expect(pieces.join("")).toBe(SEED_TCP_MESSAGE)
      expect(pieces.every((piece) => piece.length <= 16)).toBe(true)
      expect(text(yield* echoOverUdp({ ...server.udp, timeout: "2 seconds" as const }, SEED_UDP_MESSAGE))).toBe(SEED_UDP_MESSAGE)
    }).pipe(Effect.provide(Transport.layerMemory)))

  it.scoped("fails when the echo differs or the server closes early", () =>
    Effect.gen(function*() {
      const transport = yield* Transport
      // A broken echo server: it upper-cases the first chunk and closes without waiting for more.
      const broken = yield* transport.listenStream({ host: "memory", port: 0 })
      yield* Effect.forkScoped(broken.serve((c) =>
        Effect.flatMap(c.read, Option.match({
          onNone: () => Effect.void,
          onSome: (chunk) => c.write(text(chunk).toUpperCase().slice(0, 10))
        }))))
      const target = { ...broken.address, timeout: "2 seconds" as const }
      expect(yield* failureReason(echoOverTcp(target, "hi", () => Effect.void))).toBe("Mismatch")
      expect(yield* failureReason(echoOverTcp(target, SEED_TCP_MESSAGE, () => Effect.void))).toBe("ClosedEarly")
    }).pipe(Effect.provide(Transport.layerMemory)))

  it.scoped("says so when nothing listens", () =>
    Effect.gen(function*() {
      const target = { host: "memory", port: 9, timeout: "2 seconds" as const }
      expect(yield* failureReason(echoOverTcp(target, "hi", () => Effect.void))).toBe("Unreachable")
    }).pipe(Effect.provide(Transport.layerMemory)))
})
