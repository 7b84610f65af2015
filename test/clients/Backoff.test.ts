import { describe, expect, it } from "@effect/vitest"
import { Chunk, Duration, Effect, Random, Schedule } from "effect"
import { backoff } from "../../src/clients/PointsClient.js"

const delaysOf = Effect.map(
  Schedule.run(Schedule.delays(backoff({ tries: 6, initialDelay: "1 second", maxDelay: "10 seconds" })), 0, [1, 2, 3, 4, 5, 6, 7]),
  (delays) => Chunk.toReadonlyArray(delays).map(Duration.toMillis)
)

describe("client backoff", () => {
  it.effect("waits between half and all of initialDelay × 2ⁿ, capped at maxDelay", () =>
    Effect.gen(function*() {
      const delays = (yield* delaysOf).slice(0, 5)
      delays.forEach((ms, n) => {
        const full = Math.min(1000 * 2 ** n, 10_000)
        expect(ms).toBeLessThanOrEqual(full)
        expect(ms).toBeGreaterThanOrEqual(Math.min(full / 2, 10_000))
      })
    }))

  it.effect("is jittered: a hundred clients do not all wait the same", () =>
    Effect.gen(function*() {
      const firsts = new Set<number>()
      for (let i = 0; i < 100; i++) firsts.add((yield* delaysOf)[0]!)
      expect(firsts.size).toBeGreaterThan(50)
    }).pipe(Effect.withRandom(Random.make("a hundred clients")))) // seeded: the same hundred draws every run
})
