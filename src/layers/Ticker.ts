import { Context, Duration, Layer, Schedule, Stream } from "effect"

/** The n-th update since the ticker started (1, 2, 3…). */
export type Tick = number

/** When points updates happen: every `interval`, the first one an interval after start (as the seeds' loops). */
export interface TickerShape {
  readonly interval: Duration.Duration
  readonly ticks: Stream.Stream<Tick>
}

export class Ticker extends Context.Tag("scoreline/Ticker")<Ticker, TickerShape>() {
  /**
   * Fixed-rate, not fixed-delay: a slow database write does not push later ticks back, and a tick that is
   * late is not run twice to catch up. Each run of `ticks` has its own clock, so servers sharing a Ticker
   * tick independently.
   */
  static readonly layer = (interval: Duration.DurationInput) =>
    Layer.succeed(Ticker, {
      interval: Duration.decode(interval),
      ticks: Stream.fromSchedule(Schedule.fixed(interval)).pipe(Stream.map((n) => n + 1))
    })
}
