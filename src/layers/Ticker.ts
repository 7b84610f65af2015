import { Clock, Context, Duration, Effect, Layer, Option, Stream } from "effect"
import type { Slot } from "../schema/PointTick.js"

export type { Slot } from "../schema/PointTick.js"

/**
 * When points updates happen: at the wall clock's interval boundaries. Slot `n` is the interval that starts
 * at `n × interval` since the Unix epoch, so every replica of a user (with the same `UPDATE_INTERVAL`) numbers
 * the intervals alike and the ledger can count each one once, whichever replica claims it.
 */
export interface TickerShape {
  readonly interval: Duration.Duration
  /** The slot an instant (epoch milliseconds) falls in. */
  readonly slotAt: (epochMillis: number) => Slot
  /** When a slot starts (epoch milliseconds): the moment its tick happens. */
  readonly startOf: (slot: Slot) => number
  /**
   * Each slot as the clock reaches its start; the first one is the next boundary after the stream starts
   * (at most one interval away, as the seeds' loops wait one interval first). A consumer that takes longer
   * than an interval is not given the slots it missed one by one: the next slot comes at the next boundary,
   * and the consumer sees the gap (the update fiber owes the slots in it).
   */
  readonly ticks: Stream.Stream<Slot>
}

export class Ticker extends Context.Tag("scoreline/Ticker")<Ticker, TickerShape>() {
  /** Intervals are whole milliseconds (UPDATE_INTERVAL is read that way), so slot arithmetic is exact. */
  static readonly layer = (interval: Duration.DurationInput) =>
    Layer.sync(Ticker, () => {
      const millis = Math.max(1, Math.round(Duration.toMillis(interval)))
      const slotAt = (epochMillis: number) => Math.floor(epochMillis / millis)
      const startOf = (slot: Slot) => slot * millis
      // Until the clock reads `at` or later. A timer can fire a millisecond before the wall clock gets there
      // (Node's timers run on a monotonic clock): then it sleeps what is left, so a tick is never stamped
      // with the second before its slot's start.
      const sleepUntil = (at: number): Effect.Effect<void> =>
        Effect.flatMap(Clock.currentTimeMillis, (now) =>
          now >= at ? Effect.void : Effect.zipRight(Effect.sleep(Duration.millis(at - now)), Effect.suspend(() => sleepUntil(at))))
      // The slot after `previous` whose start is still ahead; emitted when the clock gets there. The slot
      // is the one computed before sleeping, so a timer that fires early cannot repeat a slot.
      const next = (previous: Option.Option<Slot>) =>
        Effect.gen(function*() {
          const now = yield* Clock.currentTimeMillis
          const slot = Math.max(slotAt(now) + 1, Option.getOrElse(Option.map(previous, (p) => p + 1), () => 0))
          yield* sleepUntil(startOf(slot))
          return Option.some([slot, Option.some(slot)] as const)
        })
      return {
        interval: Duration.millis(millis),
        slotAt,
        startOf,
        ticks: Stream.unfoldEffect(Option.none<Slot>(), next)
      }
    })
}
