import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder"
import * as HttpApiSwagger from "@effect/platform/HttpApiSwagger"
import * as HttpServer from "@effect/platform/HttpServer"
import type * as HttpServerError from "@effect/platform/HttpServerError"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import { Context, type DateTime, type Duration, Effect, Layer, type Redacted, type Scope, type Stream } from "effect"
import type { Db } from "../layers/Db.js"
import { Metrics } from "../layers/Metrics.js"
import type { Transport } from "../layers/Transport.js"
import { DashboardApi } from "../schema/DashboardApi.js"
import type { RosterEntry } from "../schema/Roster.js"
import { HttpListener } from "../servers/HttpListener.js"
import { ControlHandlers } from "./ControlHandlers.js"
import { noControlEvents, type PublishControl } from "./ControlEvents.js"
import type { DashboardFeedItem } from "./DashboardFeed.js"
import { dashboardMetrics } from "./DashboardMetrics.js"
import { type FastReads, makeFastReads } from "./FastReads.js"
import { PageRoutes } from "./PageRoutes.js"
import { ScoresHandlers } from "./ScoresHandlers.js"
import { makeWatcher, Watcher } from "./Watcher.js"

export interface DashboardOptions {
  readonly host: string
  readonly port: number
  readonly adminToken: Redacted.Redacted<string>
  readonly roster: ReadonlyArray<RosterEntry>
  readonly probeHost: string
  readonly refreshInterval: Duration.DurationInput
  readonly probeInterval: Duration.DurationInput
  readonly timeZone: DateTime.TimeZone
  /** Answer the plain read GETs before the router (FastReads); default true. Off: every request takes the router. */
  readonly fastReads?: boolean
  /** Where resets, pauses and resumes go as events (ControlEvents.ts); default: nowhere. */
  readonly publishControl?: PublishControl
  /** The broker's events to follow instead of polling the database (DashboardFeed.ts); default: none, poll. */
  readonly events?: Stream.Stream<DashboardFeedItem>
}

/** Counts every answer by method and status; a request no route matched is a 404, a defect a 500. */
const countRequests = Layer.unwrapEffect(Effect.gen(function*() {
  const { httpRequests } = dashboardMetrics(yield* Metrics, yield* Watcher)
  return HttpApiBuilder.serve((app) =>
    Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) =>
      app.pipe(
        Effect.tap((response) => Effect.sync(() => httpRequests.inc({ method: request.method, code: String(response.status) }))),
        Effect.tapError((error: HttpServerError.HttpServerError | unknown) =>
          Effect.sync(() => httpRequests.inc({ method: request.method, code: (error as { _tag?: string })._tag === "RouteNotFound" ? "404" : "500" })))
      )))
}))

/**
 * The whole HTTP side. Order matters: `middlewareOpenApi` and Swagger need `HttpApi.Api`, so they are
 * provided before `api(...)` (a layer only sees what is provided to it, not what is merged beside it); the listener is last, so it is built first and closed last.
 */
const httpLayer = (options: DashboardOptions, fastReads: FastReads | undefined) =>
  countRequests.pipe(
    Layer.provide(HttpApiSwagger.layer({ path: "/docs" })),
    Layer.provide(PageRoutes),
    Layer.provide(HttpApiBuilder.middlewareOpenApi({ path: "/openapi.json" })),
    Layer.provide(HttpApiBuilder.api(DashboardApi)),
    Layer.provide(ScoresHandlers(options.timeZone)),
    Layer.provide(ControlHandlers(options.adminToken, options.publishControl ?? noControlEvents)),
    Layer.provideMerge(HttpListener({ host: options.host, port: options.port, ...(fastReads === undefined ? {} : { front: fastReads.handle }) }))
  )

export interface BoundDashboard {
  /** Where it listens (port 0 gives a free one). */
  readonly address: { readonly host: string; readonly port: number }
  /** The watcher's database poll and server probes, until interrupted. */
  readonly run: Effect.Effect<never, never, Transport>
  /** Requests FastReads answered (0 when it is off). */
  readonly fastReadsServed: () => number
}

/**
 * Reads the database once, then listens, in that order (as the points servers do): the first request is
 * answered from real data. The listener belongs to the caller's scope.
 */
export const bindDashboard = (
  options: DashboardOptions
): Effect.Effect<BoundDashboard, HttpServerError.ServeError, Db | Metrics | Scope.Scope> =>
  Effect.gen(function*() {
    const watcher = yield* makeWatcher(options)
    const answered = dashboardMetrics(yield* Metrics, watcher).httpRequests.labels({ method: "GET", code: "200" })
    const fastReads = options.fastReads === false
      ? undefined
      : makeFastReads({ latest: watcher.latest, timeZone: options.timeZone, onAnswer: () => answered.inc() })
    const context = yield* Layer.build(httpLayer(options, fastReads).pipe(Layer.provide(Layer.succeed(Watcher, watcher))))
    const address = Context.get(context, HttpServer.HttpServer).address
    const bound = address._tag === "TcpAddress" ? { host: address.hostname, port: address.port } : { host: address.path, port: 0 }
    const shown = bound.host === "0.0.0.0" || bound.host === "::" ? "localhost" : bound.host
    yield* Effect.logInfo(`dashboard at http://${shown}:${bound.port}`).pipe(Effect.annotateLogs({ host: bound.host, port: bound.port }))
    return { address: bound, run: watcher.run, fastReadsServed: () => fastReads?.served() ?? 0 }
  })

/** A dashboard until interrupted. */
export const serveDashboard = (options: DashboardOptions) =>
  Effect.scoped(Effect.flatMap(bindDashboard(options), (dashboard) => dashboard.run))
