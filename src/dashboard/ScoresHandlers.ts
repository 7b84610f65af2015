import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import { Clock, DateTime, Effect } from "effect"
import { DashboardApi } from "../schema/DashboardApi.js"
import { UserNotFound } from "../schema/DashboardPayloads.js"
import { formatTimestamp, type Timestamp } from "../schema/Timestamp.js"
import { type DashboardView, envelopeJson } from "./DashboardView.js"
import { Watcher } from "./Watcher.js"

/** The envelope's `timestamp`: now, on the configured wall clock, formatted at most once a second. */
export const makeTimestamps = (zone: DateTime.TimeZone): Effect.Effect<Timestamp> => {
  let second = -1
  let text = "" as Timestamp
  return Effect.map(Clock.currentTimeMillis, (millis) => {
    const current = Math.floor(millis / 1000)
    if (current !== second) {
      second = current
      text = formatTimestamp(DateTime.unsafeMake(millis), zone)
    }
    return text
  })
}

const json = (body: string) => HttpServerResponse.text(body, { contentType: "application/json" })

/**
 * The read endpoints. Each answer is the watcher's pre-encoded JSON inside seed 001's envelope: no query,
 * no Schema encoding per request (the schemas in DashboardApi describe exactly these bodies; the watcher
 * encoded them with the same schemas).
 */
export const ScoresHandlers = (zone: DateTime.TimeZone) =>
  HttpApiBuilder.group(DashboardApi, "scores", (handlers) =>
    Effect.gen(function*() {
      const watcher = yield* Watcher
      const now = makeTimestamps(zone)
      const enveloped = (pick: (json: DashboardView["json"]) => string) =>
        Effect.zipWith(now, watcher.current, (timestamp, view) => json(envelopeJson(pick(view.json), timestamp)))
      return handlers
        .handle("listUsers", () => enveloped((data) => data.users))
        .handle("listServers", () => enveloped((data) => data.servers))
        .handle("stats", () => enveloped((data) => data.stats))
        .handle("snapshot", () => enveloped((data) => data.snapshot))
        .handle("getUser", ({ path }) =>
          Effect.flatMap(Effect.zip(now, watcher.current), ([timestamp, view]) => {
            const row = view.userJson.get(path.username)
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
