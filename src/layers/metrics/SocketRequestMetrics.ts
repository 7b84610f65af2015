import * as Prom from "prom-client"

/** How a socket request ended, as `scoreline_socket_requests_total{outcome}` sees it. */
export type Outcome = "ok" | "refused" | "error"
/** Each outcome's slot in a tally. */
const OUTCOME_INDEX: { readonly [O in Outcome]: number } = { ok: 0, refused: 1, error: 2 }
const OUTCOMES = Object.keys(OUTCOME_INDEX) as ReadonlyArray<Outcome>

/** Upper bounds of `scoreline_socket_request_duration_seconds`, in seconds. */
export const DURATION_BUCKETS: ReadonlyArray<number> = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1]

/** One transport's requests: counts by outcome, and durations by bucket (the last one is +Inf). */
class Tally {
  readonly outcomes = new Float64Array(OUTCOMES.length)
  readonly buckets = new Float64Array(DURATION_BUCKETS.length + 1)
  sum = 0

  record(outcome: Outcome, seconds: number) {
    this.outcomes[OUTCOME_INDEX[outcome]]! += 1
    let bucket = 0
    while (bucket < DURATION_BUCKETS.length && seconds > DURATION_BUCKETS[bucket]!) bucket++
    this.buckets[bucket]! += 1
    this.sum += seconds
  }

  /** Back to zero in place: the recorders handed out keep counting into it. */
  zero() {
    this.outcomes.fill(0)
    this.buckets.fill(0)
    this.sum = 0
  }
}

/** Counts one answered socket request and how long it took, in seconds. */
export type RecordRequest = (outcome: Outcome, seconds: number) => void

const REQUESTS = "scoreline_socket_requests_total"
const DURATION = "scoreline_socket_request_duration_seconds"

/**
 * The socket servers' request counter and duration histogram. A request is answered in Node's socket
 * callback, and prom-client's `inc` and `observe` hash the labels on every call (about a fifth of a UDP
 * server's time at 150k requests/s); so the hot path adds to a typed array per transport, and Prometheus
 * reads the sums when it scrapes: the counter through prom-client's `collect`, the histogram as a metric of
 * the registry's JSON shape. The exposition is the same as prom-client's own.
 */
export const makeSocketRequestMetrics = (registry: Prom.Registry) => {
  const tallies = new Map<string, Tally>()
  const tallyOf = (transport: string) => {
    let tally = tallies.get(transport)
    if (tally === undefined) tallies.set(transport, tally = new Tally())
    return tally
  }

  new Prom.Counter({
    name: REQUESTS,
    help: "Socket requests answered, by transport and outcome.",
    labelNames: ["transport", "outcome"],
    registers: [registry],
    collect() {
      this.reset()
      for (const [transport, tally] of tallies) {
        for (const outcome of OUTCOMES) this.inc({ transport, outcome }, tally.outcomes[OUTCOME_INDEX[outcome]]!)
      }
    }
  })

  const help = "Time to answer a socket request, in seconds."
  const histogram = {
    name: DURATION,
    help,
    type: "histogram",
    aggregator: "sum",
    get: async () => ({
      name: DURATION,
      help,
      type: "histogram",
      aggregator: "sum",
      values: [...tallies].flatMap(([transport, tally]) => {
        let cumulative = 0
        const buckets = [...DURATION_BUCKETS, "+Inf" as const].map((le, i) => ({
          labels: { le, transport },
          value: cumulative += tally.buckets[i]!,
          metricName: `${DURATION}_bucket`
        }))
        return [
          ...buckets,
          { labels: { transport }, value: tally.sum, metricName: `${DURATION}_sum` },
          { labels: { transport }, value: cumulative, metricName: `${DURATION}_count` }
        ]
      })
    }),
    reset: () => tallies.forEach((tally) => tally.zero())
  }
  registry.registerMetric(histogram as unknown as Prom.Metric)

  /** The recorder for one transport's servers (each transport's tally is made once, and shared). */
  return (transport: string): RecordRequest => {
    const tally = tallyOf(transport)
    return (outcome, seconds) => tally.record(outcome, seconds)
  }
}
