import { Effect } from "effect"
import * as Prom from "prom-client"
import type { MetricsShape } from "../layers/Metrics.js"
import type { WatcherShape } from "./Watcher.js"

/** A metric of this registry's by name, made once (a test may serve twice from one registry). */
const once = <M extends Prom.Metric>(registry: Prom.Registry, name: string, make: () => M): M =>
  (registry.getSingleMetric(name) as M | undefined) ?? make()

/**
 * What the dashboard adds to the process's metrics: its own HTTP traffic, its open live streams, and the
 * points and server states it watches (read at scrape time from the watcher: no query of their own).
 */
export const dashboardMetrics = (metrics: MetricsShape, watcher: WatcherShape) => {
  const registers = [metrics.registry]
  const httpRequests = once(metrics.registry, "scoreline_http_requests_total", () =>
    new Prom.Counter({ name: "scoreline_http_requests_total", help: "HTTP requests the dashboard answered, by method and status code.", labelNames: ["method", "code"], registers }))
  const openStreams = once(metrics.registry, "scoreline_dashboard_open_streams", () =>
    new Prom.Gauge({ name: "scoreline_dashboard_open_streams", help: "Live-update streams (Server-Sent Events) open now.", registers }))
  once(metrics.registry, "scoreline_dashboard_database_reads_total", () =>
    new Prom.Counter({
      name: "scoreline_dashboard_database_reads_total",
      help: "Rounds of database reads the dashboard's watcher made: one a REFRESH_INTERVAL when polling, none while it follows the broker's events.",
      registers,
      collect() {
        this.reset()
        this.inc(watcher.reads())
      }
    }))
  once(metrics.registry, "scoreline_user_points", () =>
    new Prom.Gauge({
      name: "scoreline_user_points",
      help: "A user's points as the database holds them, as the dashboard last read them.",
      labelNames: ["user"],
      registers,
      collect() {
        this.reset()
        for (const row of Effect.runSync(watcher.current).snapshot.users) this.set({ user: row.user }, row.points)
      }
    }))
  once(metrics.registry, "scoreline_server_up", () =>
    new Prom.Gauge({
      name: "scoreline_server_up",
      help: "1 when a roster server answered the dashboard's last probe over its own protocol, else 0.",
      labelNames: ["user", "transport"],
      registers,
      collect() {
        this.reset()
        for (const server of Effect.runSync(watcher.current).snapshot.servers) {
          this.set({ user: server.user, transport: server.transport }, server.status === "up" ? 1 : 0)
        }
      }
    }))
  return { httpRequests, openStreams }
}
