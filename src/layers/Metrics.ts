import { Context, Effect, Layer } from "effect"
import * as Prom from "prom-client"
import { makeUserUpdateGauges, type UserUpdateGauges } from "./metrics/UserUpdateGauges.js"
import { makeSocketRequestMetrics, type RecordRequest } from "./metrics/SocketRequestMetrics.js"

/**
 * What a process counts, in Prometheus's terms (prom-client: the ecosystem's standard, and it brings the
 * process's own CPU, memory and event-loop-lag metrics). Metrics are counted where things happen (servers,
 * update fibers) through this service, synchronously, so the hot path pays an addition to a typed array and
 * nothing more; the dashboard (or a lone server's METRICS_PORT) exposes `exposition`.
 *
 * The `user` label is bounded by the roster (a handful of users), which is why it is acceptable here.
 */
export interface MetricsShape {
  readonly registry: Prom.Registry
  /** Points added to a user's row by this process's update fibers. */
  readonly pointsAdded: Prom.Counter<"user">
  /**
   * Counts socket requests answered, by transport (`tcp`, `udp`) and outcome (`ok`, `refused`, `error`), and
   * the time from a request's last byte to its reply being handed to the socket (metrics/SocketRequestMetrics).
   */
  readonly socketRequests: (transport: string) => RecordRequest
  /** TCP connections open now. */
  readonly openConnections: Prom.Gauge<"transport">
  /** Database operations that failed, by operation (`tick`, `refresh`, `prune`). */
  readonly dbErrors: Prom.Counter<"operation">
  /** Whether each user is paused, its interval and when its points last moved (for the stall alert). */
  readonly userUpdates: UserUpdateGauges
  /** The text Prometheus scrapes, with its content type. */
  readonly exposition: Effect.Effect<{ readonly contentType: string; readonly body: string }>
}

/** The database operations a process counts failures of (`scoreline_database_errors_total{operation}`). */
export const DB_OPERATIONS = ["tick", "refresh", "prune"] as const
export type DbOperation = (typeof DB_OPERATIONS)[number]

const make = (registry: Prom.Registry): MetricsShape => {
  const registers = [registry]
  const dbErrors = new Prom.Counter({ name: "scoreline_database_errors_total", help: "Database operations that failed.", labelNames: ["operation"], registers })
  // Every operation exported at 0 from the start, so rate() and increase() (and the alert) see the first error.
  for (const operation of DB_OPERATIONS) dbErrors.inc({ operation }, 0)
  return {
    registry,
    pointsAdded: new Prom.Counter({ name: "scoreline_points_added_total", help: "Points added to a user's row.", labelNames: ["user"], registers }),
    socketRequests: makeSocketRequestMetrics(registry),
    openConnections: new Prom.Gauge({ name: "scoreline_open_connections", help: "TCP connections open now.", labelNames: ["transport"], registers }),
    dbErrors,
    userUpdates: makeUserUpdateGauges(registers),
    exposition: Effect.promise(() => registry.metrics()).pipe(Effect.map((body) => ({ contentType: registry.contentType, body })))
  }
}

const NON_COUNTER_TOTALS = ["nodejs_active_handles_total", "nodejs_active_requests_total", "nodejs_active_resources_total"]

export class Metrics extends Context.Tag("scoreline/Metrics")<Metrics, MetricsShape>() {
  /** A registry of this process's own, with the process metrics (CPU, memory, event-loop lag) collected. */
  static readonly layer = Layer.scoped(
    Metrics,
    Effect.acquireRelease(
      Effect.sync(() => {
        const registry = new Prom.Registry()
        Prom.collectDefaultMetrics({ register: registry })
        // prom-client names three gauges `*_total`, which Prometheus reserves for counters (promtool rejects
        // them); the same numbers are there by type as nodejs_active_handles, _requests and _resources.
        for (const name of NON_COUNTER_TOTALS) registry.removeSingleMetric(name)
        return make(registry)
      }),
      // The event-loop-lag monitor is a native histogram: clearing the registry stops it with the scope.
      (metrics) => Effect.sync(() => metrics.registry.clear())
    )
  )
  /** The same counters without the process metrics, for layer-swapped tests. */
  static readonly layerMemory = Layer.sync(Metrics, () => make(new Prom.Registry()))
}
