// The Grafana dashboard as code (@grafana/grafana-foundation-sdk: typed, so a wrong field fails tsc).
// Every series here is one test/monitoring/prometheus.test.ts finds in real /metrics output.
import { DashboardBuilder, type DataSourceRef, RowBuilder } from "@grafana/grafana-foundation-sdk/dashboard"
import { DataqueryBuilder } from "@grafana/grafana-foundation-sdk/prometheus"
import { PanelBuilder as TimeseriesBuilder } from "@grafana/grafana-foundation-sdk/timeseries"
import { PROMETHEUS_DATASOURCE_UID } from "../compose-monitoring.js"

const PROMETHEUS: DataSourceRef = { type: "prometheus", uid: PROMETHEUS_DATASOURCE_UID }

const timeseries = (title: string, unit: string, ...queries: Array<[expr: string, legend: string]>) =>
  new TimeseriesBuilder().title(title).unit(unit).datasource(PROMETHEUS).span(12).height(8)
    .targets(queries.map(([expr, legend]) => new DataqueryBuilder().expr(expr).legendFormat(legend)))

export const scorelineDashboard = () =>
  new DashboardBuilder("scoreline").uid("scoreline").tags(["scoreline"]).refresh("30s").time({ from: "now-1h", to: "now" })
    .withPanel(timeseries("Points per user", "none", ["max by (user) (scoreline_user_points)", "{{user}}"]))
    .withPanel(timeseries("Requests per second by transport and outcome", "reqps", ["sum by (transport, outcome) (rate(scoreline_socket_requests_total[1m]))", "{{transport}} {{outcome}}"]))
    .withPanel(timeseries("Socket latency p50 / p99", "s",
      ["histogram_quantile(0.5, sum by (transport, le) (rate(scoreline_socket_request_duration_seconds_bucket[5m])))", "p50 {{transport}}"],
      ["histogram_quantile(0.99, sum by (transport, le) (rate(scoreline_socket_request_duration_seconds_bucket[5m])))", "p99 {{transport}}"]))
    .withPanel(timeseries("Open connections", "none", ["sum by (transport) (scoreline_open_connections)", "{{transport}}"]))
    .withPanel(timeseries("Database errors", "ops", ["sum by (operation) (rate(scoreline_database_errors_total[5m]))", "{{operation}}"]))
    .withPanel(timeseries("Servers up (dashboard probe)", "none", ["max by (user, transport) (scoreline_server_up)", "{{user}} {{transport}}"], ["up", "{{job}} {{instance}}"]))
    // The events stream (docs/EVENTS.md): what the outboxes publish and the broker confirms, and what is still owed.
    .withRow(new RowBuilder("Events"))
    .withPanel(timeseries("Events published and confirmed per second", "ops",
      ["sum(rate(scoreline_events_published_total[1m]))", "published"],
      ["sum(rate(scoreline_events_confirmed_total[1m]))", "confirmed"],
      ["sum(rate(scoreline_events_publish_errors_total[1m]))", "publish errors"]))
    .withPanel(timeseries("Events owed (outbox backlog)", "none", ["sum by (instance) (scoreline_events_owed)", "{{instance}}"]))
    .build()
