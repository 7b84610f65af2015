import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder"
import * as HttpRouter from "@effect/platform/HttpRouter"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import { Effect, Stream } from "effect"
import * as Path from "node:path"
import { Metrics } from "../layers/Metrics.js"
import { operationalRoutes } from "../servers/OperationalRoutes.js"
import { assetResponse, assetsDir, chartJsFile } from "./Assets.js"
import { dashboardMetrics } from "./DashboardMetrics.js"
import { Watcher } from "./Watcher.js"

/** The page may load only its own files: no inline script, no other origin (names are text anyway). */
const PAGE_HEADERS = {
  "content-security-policy": "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "cache-control": "no-cache"
}

/** How often an idle stream carries a comment, so proxies and browsers keep it open. */
const KEEPALIVE = "15 seconds"

/**
 * The routes beside the typed API: the page and its files, the live stream, `/metrics` and `/healthz`.
 * The stream sends the watcher's current state at once, then every change, the same pre-encoded event to
 * every browser; a browser that goes away interrupts its stream.
 */
export const PageRoutes = HttpApiBuilder.Router.use((router) =>
  Effect.gen(function*() {
    const watcher = yield* Watcher
    const metrics = yield* Metrics
    const { openStreams } = dashboardMetrics(metrics, watcher)
    const dir = assetsDir()
    const chartJs = chartJsFile(dir)
    const page = Effect.map(assetResponse(dir, "index.html"), HttpServerResponse.setHeaders(PAGE_HEADERS))

    yield* router.get("/", page)
    yield* router.get("/index.html", page)
    yield* router.get("/assets/vendor/chart.umd.min.js", assetResponse(Path.dirname(chartJs), Path.basename(chartJs)))
    yield* router.get("/assets/:file", Effect.flatMap(HttpRouter.params, (params) => assetResponse(dir, params.file ?? "")))
    for (const [path, handler] of operationalRoutes(metrics)) yield* router.get(path, handler)
    yield* router.get("/api/events", Effect.sync(() => {
      const events = Stream.merge(
        Stream.concat(Stream.make("retry: 2000\n\n"), Stream.map(watcher.changes, (view) => view.event)),
        Stream.tick(KEEPALIVE).pipe(Stream.drop(1), Stream.as(": keep-alive\n\n"))
      ).pipe(
        Stream.ensuring(Effect.sync(() => openStreams.dec())),
        Stream.onStart(Effect.sync(() => openStreams.inc())),
        Stream.encodeText
      )
      return HttpServerResponse.stream(events, {
        contentType: "text/event-stream",
        headers: { "cache-control": "no-cache", "x-accel-buffering": "no" }
      })
    }))
  }))
