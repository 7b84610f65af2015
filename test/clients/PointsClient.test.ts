import { describe, expect, it } from "@effect/vitest"
import { type Duration, Effect, Either, Fiber, Layer, Option, Random, Ref, TestClock } from "effect"
import { Db } from "../../src/layers/Db.js"
import { askPointsWithRetry, pollPoints, type PointsTarget, type RetryPolicy } from "../../src/clients/PointsClient.js"
import { servePoints } from "../../src/servers/PointsServer.js"
import { Metrics } from "../../src/layers/Metrics.js"
import { Ticker } from "../../src/layers/Ticker.js"
import { Transport } from "../../src/layers/Transport.js"

const TestLayers = Layer.mergeAll(Db.layerMemory(), Ticker.layer("10 seconds"), Transport.layerMemory, Metrics.layerMemory)
const PORT = 5001
const target = { host: "memory", port: PORT, transport: "tcp", dialect: "REQUEST_LATEST_POINTS", timeout: "5 seconds" } as const
const policy = { tries: 5, initialDelay: "1 second", maxDelay: "4 seconds" } as const

// A server in a scope of its own, so interrupting it frees the port for a restart.
const startServer = Effect.forkScoped(
  servePoints({ user: "jerry", transport: "tcp", host: "memory", port: PORT, idleTimeout: "60 seconds", refreshInterval: "1 second" })
)

describe("points client", () => {
  it.scoped("retries with backoff until a late server comes up", () =>
    Effect.gen(function*() {
      const asking = yield* Effect.fork(askPointsWithRetry(target, policy))
      yield* TestClock.adjust("1 second") // tries 1 and 2 refused (next wait 2 s)
      expect(Option.isNone(yield* Fiber.poll(asking))).toBe(true)
      yield* startServer
      yield* TestClock.adjust("2 seconds") // try 3 reaches the server
      const answer = yield* Fiber.join(asking)
      // The row was created when the server started, one second in.
      expect(answer.line).toBe("User: jerry, Points: 0, Last Update: 1970-01-01 00:00:01")
      expect(answer.reply.points).toBe(0)
    }).pipe(Effect.provide(TestLayers)))

  it.scoped("gives up after its tries with one error that says so", () =>
    Effect.gen(function*() {
      const attempts = yield* Ref.make(0)
      const counting = Layer.effect(
        Transport,
        Effect.map(Transport, (transport) => ({
          ...transport,
          connect: (address, options) => Effect.zipRight(Ref.update(attempts, (n) => n + 1), transport.connect(address, options))
        }))
      ).pipe(Layer.provide(Transport.layerMemory))
      // A seeded random: the jittered waits are the same every run, so the test cannot pass or fail by luck.
      const asking = yield* Effect.fork(
        Effect.either(askPointsWithRetry(target, policy)).pipe(Effect.provide(counting), Effect.withRandom(Random.make("gives up")))
      )
      // Waits at most 1 + 2 + 4 + 4 (capped) seconds between the five tries; no more than 11 seconds in all.
      yield* TestClock.adjust("11 seconds")
      const result = yield* Fiber.join(asking)
      // What happened, counted where it happened: five connection attempts, none after the last.
      expect(yield* Ref.get(attempts)).toBe(5)
      expect(Either.isLeft(result) && result.left.message).toBe(
        "tcp://memory:5001: gave up after 5 tries: cannot connect to memory:5001: ECONNREFUSED"
      )
      yield* TestClock.adjust("60 seconds")
      expect(yield* Ref.get(attempts)).toBe(5)
    }).pipe(Effect.provide(TestLayers)))

  it.scoped("polls every interval and sees the points grow, across a server restart", () =>
    Effect.gen(function*() {
      const seen: Array<number> = []
      let server = yield* startServer
      yield* Effect.fork(pollPoints(target, policy, "10 seconds", (a) => Effect.sync(() => seen.push(a.reply.points))))
      yield* TestClock.adjust("25 seconds")
      const beforeRestart = seen.length
      yield* Fiber.interrupt(server) // the server goes away...
      yield* TestClock.adjust("10 seconds")
      server = yield* startServer // ...and comes back before the client's tries run out
      yield* TestClock.adjust("10 seconds")
      expect(beforeRestart).toBe(3)
      expect(seen.length).toBeGreaterThan(beforeRestart)
      expect([...seen].sort((a, b) => a - b)).toEqual(seen) // the points never go down
      expect(seen.at(-1)).toBeGreaterThan(seen[0]!)
    }).pipe(Effect.provide(TestLayers)))

  it.scoped("with onGiveUp, a poll that used up its tries is reported and polling goes on", () =>
    Effect.gen(function*() {
      const seen: Array<string> = []
      const gaveUp: Array<string> = []
      yield* Effect.fork(pollPoints(
        target,
        { tries: 2, initialDelay: "1 second", maxDelay: "1 second" },
        "10 seconds",
        (answer) => Effect.sync(() => seen.push(answer.line)),
        (error) => Effect.sync(() => gaveUp.push(error.message))
      ))
      yield* TestClock.adjust("12 seconds") // two polls, two tries each, no server
      expect(gaveUp).toHaveLength(2)
      expect(gaveUp[0]).toMatch(/gave up after 2 tries/)
      yield* startServer
      yield* TestClock.adjust("11 seconds")
      expect(seen).toHaveLength(1)
    }).pipe(Effect.provide(TestLayers)))

  /** A stand-in at PORT answering the n-th connection (1, 2, …) with `answer(n)`; it counts connections. */
  const fakeServer = (answer: (n: number) => string) =>
    Effect.gen(function*() {
      const transport = yield* Transport
      const listener = yield* transport.listenStream({ host: "memory", port: PORT })
      const connections = yield* Ref.make(0)
      yield* Effect.forkScoped(listener.serve((connection) =>
        Effect.gen(function*() {
          const n = yield* Ref.updateAndGet(connections, (n) => n + 1)
          yield* connection.read
          yield* connection.write(answer(n))
          yield* connection.end
        })
      ))
      return connections
    })

  it.scoped("retries a server that answers ERROR (its database is down) and takes the reply once it comes", () =>
    Effect.gen(function*() {
      const connections = yield* fakeServer((n) =>
        n < 3 ? "ERROR database unavailable\n" : "User: jerry, Points: 7, Last Update: 2024-01-02 03:04:05\n"
      )
      const asking = yield* Effect.fork(askPointsWithRetry(target, policy))
      yield* TestClock.adjust("3 seconds") // waits 1 s, then 2 s
      const answer = yield* Fiber.join(asking)
      expect(answer.reply.points).toBe(7)
      expect(yield* Ref.get(connections)).toBe(3)
    }).pipe(Effect.provide(TestLayers)))

  it.scoped("retries a server that closes without replying (a replica dying behind a load balancer)", () =>
    Effect.gen(function*() {
      const connections = yield* fakeServer((n) => (n < 3 ? "" : "User: jerry, Points: 7, Last Update: 2024-01-02 03:04:05\n"))
      const asking = yield* Effect.fork(askPointsWithRetry(target, policy))
      yield* TestClock.adjust("3 seconds") // waits 1 s, then 2 s
      const answer = yield* Fiber.join(asking)
      expect(answer.reply.points).toBe(7)
      expect(yield* Ref.get(connections)).toBe(3)
    }).pipe(Effect.provide(TestLayers)))

  it.scoped("stops at once at something that is not a points server", () =>
    Effect.gen(function*() {
      const connections = yield* fakeServer(() => "SSH-2.0-OpenSSH_9.6\r\n")
      const asking = yield* Effect.fork(Effect.either(askPointsWithRetry(target, policy)))
      yield* TestClock.adjust("30 seconds") // longer than every retry together
      const result = yield* Fiber.join(asking)
      expect(Either.isLeft(result) && result.left.reason).toBe("BadReply")
      expect(Either.isLeft(result) && result.left.message).toBe('tcp://memory:5001: not a points reply: "SSH-2.0-OpenSSH_9.6"')
      expect(yield* Ref.get(connections)).toBe(1)
    }).pipe(Effect.provide(TestLayers)))

  // Each failure reason, as the one line a user reads (and whether it was retried).
  const giveUp = (policyFor: RetryPolicy, advance: Duration.DurationInput, targetFor: PointsTarget = target) =>
    Effect.gen(function*() {
      const asking = yield* Effect.fork(Effect.either(askPointsWithRetry(targetFor, policyFor)))
      yield* TestClock.adjust(advance)
      const result = yield* Fiber.join(asking)
      if (Either.isRight(result)) throw new Error("expected a failure")
      return result.left
    })

  /** A memory server that accepts and never answers, counting its connections. */
  const silentServer = Effect.gen(function*() {
    const transport = yield* Transport
    const listener = yield* transport.listenStream({ host: "memory", port: PORT })
    const connections = yield* Ref.make(0)
    yield* Effect.forkScoped(listener.serve(() => Effect.zipRight(Ref.update(connections, (n) => n + 1), Effect.never)))
    return connections
  })
  const failures = [
    {
      reason: "Refused",
      how: "an ERROR every time is retried, then named with the tries and the server's words",
      server: Effect.asSome(fakeServer(() => "ERROR database unavailable\n")),
      tries: 3,
      timeout: undefined,
      message: "tcp://memory:5001: gave up after 3 tries: the server answered: ERROR database unavailable"
    },
    {
      reason: "NoReply",
      how: "a close without a reply every time is retried, then said so",
      server: Effect.asSome(fakeServer(() => "")),
      tries: 2,
      timeout: undefined,
      message: "tcp://memory:5001: gave up after 2 tries: the server closed without replying"
    },
    {
      reason: "Unreachable",
      how: "nothing listening, retried, the transport's words after the target",
      server: Effect.succeedNone,
      tries: 2,
      timeout: undefined,
      message: "tcp://memory:5001: gave up after 2 tries: cannot connect to memory:5001: ECONNREFUSED"
    },
    {
      reason: "Timeout",
      how: "a server that never answers is given up on after the timeout, each try",
      server: Effect.asSome(silentServer),
      tries: 2,
      timeout: "3 seconds" as const,
      message: "tcp://memory:5001: gave up after 2 tries: no reply within 3s"
    }
  ]
  it.scoped.each(failures)("$reason: $how", ({ message, reason, server, timeout, tries }) =>
    Effect.gen(function*() {
      const connections = yield* server
      const error = yield* giveUp({ ...policy, tries }, "60 seconds", timeout === undefined ? target : { ...target, timeout })
      expect(error.reason).toBe(reason)
      expect(error.message).toBe(message)
      // Every try reached the server: counted by the server, not read from the policy.
      if (Option.isSome(connections)) expect(yield* Ref.get(connections.value)).toBe(tries)
    }).pipe(Effect.provide(TestLayers)))

  it.scoped("a long non-points reply is quoted to 80 characters", () =>
    Effect.gen(function*() {
      yield* fakeServer(() => `${"x".repeat(200)}\n`)
      const error = yield* giveUp(policy, "1 second")
      expect(error.message).toBe(`tcp://memory:5001: not a points reply: "${"x".repeat(80)}"`)
    }).pipe(Effect.provide(TestLayers)))

  it.scoped("seed 001's dialect: get_data bare, then quit; a reply without a newline is complete once it parses", () =>
    Effect.gen(function*() {
      const transport = yield* Transport
      const listener = yield* transport.listenStream({ host: "memory", port: PORT })
      const heard: Array<string> = []
      const hear = (chunk: Option.Option<Uint8Array>) => heard.push(Option.match(chunk, { onNone: () => "(end)", onSome: (bytes) => new TextDecoder().decode(bytes) }))
      yield* Effect.forkScoped(listener.serve((connection) =>
        Effect.gen(function*() {
          hear(yield* connection.read)
          // Seed 001's servers send the reply bare: no newline ends it.
          yield* connection.write("User: Afif | Points: 30 | Last Update: 2024-01-02 03:04:05")
          hear(yield* connection.read)
        })
      ))
      const answer = yield* askPointsWithRetry({ ...target, dialect: "get_data" }, policy)
      expect(answer.reply.points).toBe(30)
      expect(answer.line).toBe("User: Afif | Points: 30 | Last Update: 2024-01-02 03:04:05")
      expect(heard).toEqual(["get_data", "quit"])
    }).pipe(Effect.provide(TestLayers)))
})
