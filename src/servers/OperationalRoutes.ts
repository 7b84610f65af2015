import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import { Effect } from "effect"
import type { MetricsShape } from "../layers/Metrics.js"

/**
 * What every HTTP listener of ours answers for operators: `GET /metrics` (Prometheus text) and `GET /healthz`.
 * The dashboard and a lone server's METRICS_PORT both route these, from this one list.
 */
export const operationalRoutes = (metrics: MetricsShape) =>
  [
    ["/metrics", Effect.map(metrics.exposition, ({ body, contentType }) => HttpServerResponse.text(body, { contentType }))],
    ["/healthz", Effect.succeed(HttpServerResponse.text("ok"))]
  ] as const
