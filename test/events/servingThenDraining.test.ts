import { it } from "@effect/vitest"
import { Deferred, Effect, Fiber } from "effect"
import { expect } from "vitest"
import { servingThenDraining } from "../../src/servers/EventOutbox.js"

/** A program's servers stop before its outbox drains, so no tick claims a slot after the drain's last read. */
it.live("on interruption the servers stop first, then the outbox drains", () =>
  Effect.gen(function*() {
    const order: Array<string> = []
    const started = yield* Deferred.make<void>()
    // The servers take a while to stop (a tick finishing its commit); the outbox must wait for them.
    const serving = Deferred.succeed(started, undefined).pipe(
      Effect.zipRight(Effect.never),
      Effect.ensuring(Effect.sleep("50 millis").pipe(Effect.zipRight(Effect.sync(() => order.push("servers stopped")))))
    )
    const events = Effect.never.pipe(Effect.ensuring(Effect.sync(() => order.push("outbox drained"))))
    const program = yield* Effect.fork(servingThenDraining(serving, events))
    yield* Deferred.await(started)
    yield* Fiber.interrupt(program)
    expect(order).toEqual(["servers stopped", "outbox drained"])
  }))

it.live("a failing outbox stops the servers, and its error is the program's", () =>
  Effect.gen(function*() {
    let serversStopped = false
    const serving = Effect.never.pipe(Effect.ensuring(Effect.sync(() => { serversStopped = true })))
    const error = yield* Effect.flip(servingThenDraining(serving, Effect.fail("broker layer failed" as const)))
    expect(error).toBe("broker layer failed")
    expect(serversStopped).toBe(true)
  }))

it.live("a failing server stops the outbox", () =>
  Effect.gen(function*() {
    let drained = false
    const events = Effect.never.pipe(Effect.ensuring(Effect.sync(() => { drained = true })))
    const error = yield* Effect.flip(servingThenDraining(Effect.fail("port taken" as const), events))
    expect(error).toBe("port taken")
    expect(drained).toBe(true)
  }))
