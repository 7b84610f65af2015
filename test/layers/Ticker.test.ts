import { describe, expect, it } from "@effect/vitest"
import { Chunk, Clock, Duration, Effect, Stream } from "effect"
import { Ticker } from "../../src/layers/Ticker.js"

/**
 * A clock whose timers fire before the wall clock gets there, as Node's can (they run on a monotonic clock):
 * here by a fixed 20 ms, so the case is the same on every run.
 */
const EARLY_MS = 20
const base = Clock.make()
const earlyTimers: Clock.Clock = {
  [Clock.ClockTypeId]: Clock.ClockTypeId,
  unsafeCurrentTimeMillis: () => base.unsafeCurrentTimeMillis(),
  currentTimeMillis: base.currentTimeMillis,
  unsafeCurrentTimeNanos: () => base.unsafeCurrentTimeNanos(),
  currentTimeNanos: base.currentTimeNanos,
  sleep: (duration) => base.sleep(Duration.millis(Math.max(0, Duration.toMillis(duration) - EARLY_MS)))
}

describe("Ticker", () => {
  it.live("emits each slot once the clock has reached its start, even when timers fire early, and never repeats one", () =>
    Effect.gen(function*() {
      const ticker = yield* Ticker
      const seen = yield* ticker.ticks.pipe(
        Stream.mapEffect((slot) => Effect.map(Clock.currentTimeMillis, (now) => ({ slot, now }))),
        Stream.take(3),
        Stream.runCollect,
        Effect.withClock(earlyTimers)
      )
      const ticks = Chunk.toReadonlyArray(seen)
      for (const { now, slot } of ticks) expect(now).toBeGreaterThanOrEqual(ticker.startOf(slot))
      expect(ticks.map((t) => t.slot)).toEqual([ticks[0]!.slot, ticks[0]!.slot + 1, ticks[0]!.slot + 2])
    }).pipe(Effect.provide(Ticker.layer("100 millis"))))
})
