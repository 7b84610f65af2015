import * as HttpApi from "@effect/platform/HttpApi"
import type { DateTime } from "effect"
import { Option } from "effect"
import type * as Http from "node:http"
import { DashboardApi } from "../schema/DashboardApi.js"
import { type DashboardView, envelopeJson } from "./DashboardView.js"
import { makeStamper, type ViewRead, viewReads } from "./ReadBodies.js"

/** A read endpoint the fast path answers: its path cut into segments, `:name` for a path parameter. */
interface FastRoute {
  readonly read: ViewRead
  readonly segments: ReadonlyArray<string>
}

const isViewRead = (name: string): name is ViewRead => Object.hasOwn(viewReads, name)

/**
 * The routes, from the declared API: every GET with no query parameters whose body is a plain read of the
 * watcher's view (ReadBodies). Adding, renaming or moving such an endpoint in DashboardApi moves it here too.
 */
export const fastRoutes: ReadonlyArray<FastRoute> = (() => {
  const routes: Array<FastRoute> = []
  HttpApi.reflect(DashboardApi, {
    onGroup: () => {},
    onEndpoint: ({ endpoint }) => {
      if (endpoint.method === "GET" && Option.isNone(endpoint.urlParamsSchema) && isViewRead(endpoint.name)) {
        routes.push({ read: endpoint.name, segments: endpoint.path.split("/") })
      }
    }
  })
  return routes
})()

/** The route and its path parameters for a path, or undefined. */
const match = (path: string): { route: FastRoute; params: Record<string, string> } | undefined => {
  const segments = path.split("/")
  for (const route of fastRoutes) {
    if (route.segments.length !== segments.length) continue
    const params: Record<string, string> = {}
    let ok = true
    for (let i = 0; i < segments.length && ok; i++) {
      const want = route.segments[i]!
      const got = segments[i]!
      if (want.startsWith(":")) {
        if (got === "") ok = false
        else params[want.slice(1)] = got
      } else ok = want === got
    }
    if (ok) return { route, params }
  }
  return undefined
}

export interface FastReads {
  /** Answers the request and returns true, or returns false and leaves it to the router. */
  readonly handle: (request: Http.IncomingMessage, response: Http.ServerResponse) => boolean
  /** Requests answered here so far. */
  readonly served: () => number
}

/**
 * The dashboard's hot reads, answered in Node's request callback before the Effect router: a GET of a
 * route above, with no query string and no percent-escapes, for data the view holds, gets the same
 * envelope, status and headers the handler would send (the router's `HttpServerResponse.text` sets only
 * content-type and content-length; Node adds the rest to both), from bytes built once per view and second.
 * Everything else, the 404s included, goes to the router: its errors, the OpenAPI document and /docs are
 * untouched. Why: the router costs a fiber, fiber refs, a span and a middleware chain per request, about
 * seven times what Node spends writing the bytes (docs/BENCHMARKS.md).
 */
export const makeFastReads = (options: {
  readonly latest: () => DashboardView
  readonly timeZone: DateTime.TimeZone
  /** Called once per answer (the dashboard's request counter). */
  readonly onAnswer: () => void
}): FastReads => {
  const stamp = makeStamper(options.timeZone)
  let view: DashboardView | undefined
  let timestamp = ""
  let bodies = new Map<string, Buffer>()
  let served = 0
  return {
    served: () => served,
    handle: (request, response) => {
      const url = request.url
      if (request.method !== "GET" || url === undefined || url.includes("?") || url.includes("%")) return false
      const now = options.latest()
      const stamped = stamp(Date.now())
      if (now !== view || stamped !== timestamp) {
        view = now
        timestamp = stamped
        bodies = new Map()
      }
      let body = bodies.get(url)
      if (body === undefined) {
        const found = match(url)
        if (found === undefined) return false
        const data = viewReads[found.route.read](now, found.params)
        if (data === undefined) return false
        body = Buffer.from(envelopeJson(data, timestamp))
        bodies.set(url, body)
      }
      served++
      options.onAnswer()
      response.writeHead(200, { "content-type": "application/json", "content-length": body.length })
      response.end(body)
      return true
    }
  }
}
