import { describe, expect, it } from "@effect/vitest"
import { Cause, DateTime, Effect, Exit, Fiber, Option, TestClock } from "effect"
import { LinePrompt } from "../../src/layers/LinePrompt.js"
import { chat, sendMessage } from "../../src/clients/MessageClient.js"
import { bindMessageServer } from "../../src/servers/MessageServer.js"
import { UTC } from "../../src/schema/Timestamp.js"
import { Transport } from "../../src/layers/Transport.js"
import { readToEnd } from "../support/memory.js"

const NOON = DateTime.unsafeMake("2026-01-12T14:30:00Z")

const startServer = (timeZone: DateTime.TimeZone = UTC) =>
  Effect.gen(function*() {
    yield* TestClock.setTime(DateTime.toEpochMillis(NOON))
    const server = yield* bindMessageServer({ host: "memory", port: 0, timeZone, idleTimeout: "60 seconds" })
    yield* Effect.forkScoped(server.run)
    return server
  })

/** One raw exchange: `bytes` without a terminator and without closing, then the reply to EOF. */
const exchange = (bytes: Uint8Array | string) =>
  Effect.gen(function*() {
    const transport = yield* Transport
    const server = yield* startServer()
    const connection = yield* transport.connect(server.address)
    yield* connection.write(bytes)
    return yield* readToEnd(connection)
  })

describe("message server (in-memory transport)", () => {
  it.scoped("answers the first chunk at once, verbatim, with the time in the configured zone, then closes", () =>
    Effect.gen(function*() {
      expect(yield* exchange("Hello, Server!")).toBe("Server received at 2026-01-12 14:30:00: Hello, Server!")
    }).pipe(Effect.provide(Transport.layerMemory)))

  it.scoped("keeps a trailing newline and uses the TIME_ZONE wall clock", () =>
    Effect.gen(function*() {
      const transport = yield* Transport
      const server = yield* startServer(DateTime.zoneMakeOffset(8 * 60 * 60 * 1000))
      const connection = yield* transport.connect(server.address)
      yield* connection.write("line\n")
      expect(yield* readToEnd(connection)).toBe("Server received at 2026-01-12 22:30:00: line\n")
    }).pipe(Effect.provide(Transport.layerMemory)))

  it.scoped("refuses a message over 1024 bytes and non-UTF-8, and goes on serving", () =>
    Effect.gen(function*() {
      const transport = yield* Transport
      const server = yield* startServer()
      const ask = (bytes: Uint8Array | string) =>
        Effect.scoped(Effect.flatMap(transport.connect(server.address), (c) => Effect.zipRight(c.write(bytes), readToEnd(c))))
      expect(yield* ask("x".repeat(1025))).toBe("ERROR message longer than 1024 bytes (got 1025)")
      expect(yield* ask(new Uint8Array([0x68, 0xff, 0xfe]))).toBe("ERROR message is not valid UTF-8")
      expect(yield* ask("x".repeat(1024))).toBe(`Server received at 2026-01-12 14:30:00: ${"x".repeat(1024)}`)
    }).pipe(Effect.provide(Transport.layerMemory)))

  it.scoped("sends nothing to a client that closes without a message", () =>
    Effect.gen(function*() {
      const transport = yield* Transport
      const server = yield* startServer()
      const connection = yield* transport.connect(server.address)
      yield* connection.end
      expect(yield* readToEnd(connection)).toBe("")
    }).pipe(Effect.provide(Transport.layerMemory)))

  it.scoped("closes a silent connection after the idle timeout", () =>
    Effect.gen(function*() {
      const transport = yield* Transport
      const server = yield* startServer()
      const connection = yield* transport.connect(server.address)
      const reply = yield* Effect.fork(readToEnd(connection))
      yield* TestClock.adjust("59 seconds")
      expect(Option.isNone(yield* Fiber.poll(reply))).toBe(true)
      yield* TestClock.adjust("1 second")
      expect(yield* Fiber.join(reply)).toBe("")
    }).pipe(Effect.provide(Transport.layerMemory)))
})

/** A Console that records what is printed instead of printing it. */
const recordingConsole = (printed: Array<string>) =>
  Effect.map(Effect.console, (console) => ({
    ...console,
    log: (...args: ReadonlyArray<unknown>) => Effect.sync(() => void printed.push(args.join(" "))),
    error: (...args: ReadonlyArray<unknown>) => Effect.sync(() => void printed.push(`stderr: ${args.join(" ")}`))
  }))

describe("message client (in-memory transport)", () => {
  it.scoped("sends one message and returns the whole reply", () =>
    Effect.gen(function*() {
      const server = yield* startServer()
      expect(yield* sendMessage({ ...server.address, timeout: "5 seconds" }, "hi")).toBe("Server received at 2026-01-12 14:30:00: hi")
    }).pipe(Effect.provide(Transport.layerMemory)))

  it.scoped("reports a refusal and a missing server as errors", () =>
    Effect.gen(function*() {
      const server = yield* startServer()
      const refused = yield* Effect.exit(sendMessage({ ...server.address, timeout: "5 seconds" }, "x".repeat(2000)))
      const missing = yield* Effect.exit(sendMessage({ host: "memory", port: 9, timeout: "5 seconds" }, "hi"))
      const reasonOf = (exit: Exit.Exit<string, { readonly reason: string }>) =>
        Exit.isFailure(exit) ? Option.map(Cause.failureOption(exit.cause), (e) => e.reason) : Option.none()
      expect(reasonOf(refused)).toEqual(Option.some("Refused"))
      expect(reasonOf(missing)).toEqual(Option.some("Unreachable"))
    }).pipe(Effect.provide(Transport.layerMemory)))

  it.scoped("interactive: one connection per line, stops at quit", () =>
    Effect.gen(function*() {
      const server = yield* startServer()
      const printed: Array<string> = []
      yield* chat({ ...server.address, timeout: "5 seconds" }).pipe(
        Effect.withConsole(yield* recordingConsole(printed)),
        Effect.provide(LinePrompt.layerMemory(["first", "", "second", "quit", "never sent"]))
      )
      expect(printed.filter((line) => line.startsWith("Server response:"))).toEqual([
        "Server response: Server received at 2026-01-12 14:30:00: first",
        "Server response: Server received at 2026-01-12 14:30:00: second"
      ])
      expect(printed.at(-1)).toBe("Goodbye")
    }).pipe(Effect.provide(Transport.layerMemory)))

  it.scoped("interactive: ends with an error when the server is not there", () =>
    Effect.gen(function*() {
      const printed: Array<string> = []
      const exit = yield* chat({ host: "memory", port: 9, timeout: "5 seconds" }).pipe(
        Effect.withConsole(yield* recordingConsole(printed)),
        Effect.provide(LinePrompt.layerMemory(["first", "second"])),
        Effect.exit
      )
      expect(Exit.isFailure(exit)).toBe(true)
      expect(printed).not.toContain("Goodbye")
    }).pipe(Effect.provide(Transport.layerMemory)))
})
