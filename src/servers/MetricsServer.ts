import * as HttpRouter from "@effect/platform/HttpRouter"
import * as HttpServer from "@effect/platform/HttpServer"
import { Context, Effect, Layer } from "effect"
import { Metrics } from "../layers/Metrics.js"
import { HttpListener } from "./HttpListener.js"
import { operationalRoutes } from "./OperationalRoutes.js"

/**
 * `GET /metrics` (Prometheus text) and `GET /healthz` on a port of their own, for a points server run alone.
 * Listening when this returns; the listener belongs to the caller's scope.
 */
export const bindMetricsServer = (listen: { readonly host: string; readonly port: number }) =>
  Effect.gen(function*() {
    const metrics = yield* Metrics
    const app = operationalRoutes(metrics).reduce((router, [path, handler]) => HttpRouter.get(router, path, handler), HttpRouter.empty)
    const context = yield* Layer.build(HttpServer.serve(app).pipe(Layer.provideMerge(HttpListener(listen))))
    const address = Context.get(context, HttpServer.HttpServer).address
    const port = address._tag === "TcpAddress" ? address.port : 0
    yield* Effect.logInfo("metrics listening").pipe(Effect.annotateLogs({ host: listen.host, port, path: "/metrics" }))
    return { port }
  })
