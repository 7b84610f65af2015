import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import { Clock, type DateTime, Effect } from "effect"
import { DashboardApi } from "../schema/DashboardApi.js"
import { UserNotFound } from "../schema/DashboardPayloads.js"
import type { Timestamp } from "../schema/Timestamp.js"
import { envelopeJson } from "./DashboardView.js"
import { makeStamper, type ViewRead, viewReads } from "./ReadBodies.js"
import { Watcher } from "./Watcher.js"

/** The envelope's `timestamp`: now, on the configured wall clock. */
export const makeTimestamps = (zone: DateTime.TimeZone): Effect.Effect<Timestamp> => Effect.map(Clock.currentTimeMillis, makeStamper(zone))

const json = (body: string) => HttpServerResponse.text(body, { contentType: "application/json" })

/**
 * The read endpoints. Each answer is the watcher's pre-encoded JSON inside seed 001's envelope: no query,
 * no Schema encoding per request (the schemas in DashboardApi describe exactly these bodies; the watcher
 * encoded them with the same schemas). FastReads answers the plain GETs of these before the router, from
 * the same `viewReads`.
 */
export const ScoresHandlers = (zone: DateTime.TimeZone) =>
  HttpApiBuilder.group(DashboardApi, "scores", (handlers) =>
    Effect.gen(function*() {
      const watcher = yield* Watcher
      const now = makeTimestamps(zone)
      const enveloped = (read: Exclude<ViewRead, "getUser">) =>
        Effect.zipWith(now, watcher.current, (timestamp, view) => json(envelopeJson(viewReads[read](view), timestamp)))
      return handlers
        .handle("listUsers", () => enveloped("listUsers"))
        .handle("listServers", () => enveloped("listServers"))
        .handle("stats", () => enveloped("stats"))
        .handle("snapshot", () => enveloped("snapshot"))
        .handle("getUser", ({ path }) =>
          Effect.flatMap(Effect.zip(now, watcher.current), ([timestamp, view]) => {
            const row = viewReads.getUser(view, path)
            return row === undefined
              ? Effect.fail(new UserNotFound({ success: false, message: `no user named ${JSON.stringify(path.username)}`, timestamp }))
              : Effect.succeed(json(envelopeJson(row, timestamp)))
          }))
        .handle("history", ({ urlParams }) =>
          Effect.zipWith(now, watcher.current, (timestamp, view) => {
            const all = view.history
            const chosen = (urlParams.user === undefined ? all : all.filter((entry) => entry.user === urlParams.user))
              .slice(0, urlParams.limit)
            return json(envelopeJson(JSON.stringify(chosen), timestamp))
          }))
    }))
