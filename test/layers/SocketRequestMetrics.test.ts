import * as Prom from "prom-client"
import { describe, expect, it } from "vitest"
import { DURATION_BUCKETS, makeSocketRequestMetrics, type Outcome } from "../../src/layers/metrics/SocketRequestMetrics.js"

/**
 * The hot path's tallies must expose exactly what prom-client's own Counter and Histogram would for the same
 * requests: same series, same cumulative buckets (a value on a bound counts in that bucket), same sum and count.
 */
const requests: ReadonlyArray<readonly [transport: string, outcome: Outcome, seconds: number]> = [
  ["tcp", "ok", 0.00003], ["tcp", "ok", 0.0001], ["tcp", "refused", 0.0004], ["tcp", "error", 0.003],
  ["udp", "ok", 0.00002], ["udp", "ok", 0.7], ["udp", "ok", 2.5], ["udp", "refused", 0.00025]
]

const lines = (text: string) => text.split("\n").filter((line) => line.startsWith("scoreline_")).sort()

describe("socket request metrics", () => {
  it("expose what prom-client's Counter and Histogram expose for the same requests", async () => {
    const ours = new Prom.Registry()
    const recorder = makeSocketRequestMetrics(ours)
    const record = { tcp: recorder("tcp"), udp: recorder("udp") }
    for (const [transport, outcome, seconds] of requests) record[transport as "tcp" | "udp"](outcome, seconds)

    const theirs = new Prom.Registry()
    const counter = new Prom.Counter({ name: "scoreline_socket_requests_total", help: "h", labelNames: ["transport", "outcome"], registers: [theirs] })
    const histogram = new Prom.Histogram({ name: "scoreline_socket_request_duration_seconds", help: "h", labelNames: ["transport"], buckets: [...DURATION_BUCKETS], registers: [theirs] })
    for (const transport of ["tcp", "udp"]) for (const outcome of ["ok", "refused", "error"]) counter.inc({ transport, outcome }, 0)
    for (const [transport, outcome, seconds] of requests) {
      counter.inc({ transport, outcome })
      histogram.observe({ transport }, seconds)
    }

    expect(lines(await ours.metrics())).toEqual(lines(await theirs.metrics()))
    expect(await ours.metrics()).toContain('scoreline_socket_requests_total{transport="udp",outcome="ok"} 3')
    expect(await ours.metrics()).toContain('scoreline_socket_request_duration_seconds_bucket{le="+Inf",transport="udp"} 4')
  })

  it("counts on across scrapes, and one transport's recorders share a tally", async () => {
    const registry = new Prom.Registry()
    const recorder = makeSocketRequestMetrics(registry)
    recorder("tcp")("ok", 0.001)
    await registry.metrics()
    recorder("tcp")("ok", 0.001)
    const text = await registry.metrics()
    expect(text).toContain('scoreline_socket_requests_total{transport="tcp",outcome="ok"} 2')
    expect(text).toContain('scoreline_socket_request_duration_seconds_count{transport="tcp"} 2')
    expect(text).toMatch(/# TYPE scoreline_socket_request_duration_seconds histogram/)
  })
})

describe("socket request metrics, reset", () => {
  it("starts from zero after registry.resetMetrics(), and recorders made before it keep counting", async () => {
    const registry = new Prom.Registry()
    const record = makeSocketRequestMetrics(registry)("udp")
    record("ok", 0.001)
    record("refused", 0.001)
    registry.resetMetrics()
    record("ok", 0.002)
    const text = await registry.metrics()
    expect(text).toContain('scoreline_socket_requests_total{transport="udp",outcome="ok"} 1')
    expect(text).toContain('scoreline_socket_requests_total{transport="udp",outcome="refused"} 0')
    expect(text).toContain('scoreline_socket_request_duration_seconds_count{transport="udp"} 1')
  })
})
