import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder"
import type * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import { Effect, Redacted, Schedule } from "effect"
import { createHash, timingSafeEqual } from "node:crypto"
import { Db, type DbError } from "../layers/Db.js"
import { DashboardApi } from "../schema/DashboardApi.js"
import { ControlFailed, ControlForbidden, ControlNotFound, ControlUnauthorized } from "../schema/DashboardPayloads.js"
import { ControlEvent } from "../schema/PointEvent.js"
import type { PublishControl } from "./ControlEvents.js"
import { Watcher } from "./Watcher.js"

const digest = (text: string) => createHash("sha256").update(text).digest()

/**
 * The writes need `Authorization: Bearer <ADMIN_TOKEN>`. No token configured: 403 for everyone, so an open
 * dashboard can never wipe scores. Compared in constant time (over digests, so lengths do not leak either).
 */
const authorize = (adminToken: Redacted.Redacted<string>, request: HttpServerRequest.HttpServerRequest) => {
  const expected = Redacted.value(adminToken)
  if (expected === "") {
    return Effect.fail(new ControlForbidden({ error: "user control is disabled: the dashboard has no ADMIN_TOKEN configured" }))
  }
  const given = /^Bearer (.+)$/i.exec(request.headers["authorization"] ?? "")?.[1]
  return given !== undefined && timingSafeEqual(digest(given), digest(expected))
    ? Effect.void
    : Effect.fail(new ControlUnauthorized({ error: "missing or wrong token: send Authorization: Bearer <ADMIN_TOKEN>" }))
}

/**
 * A control write, retried twice on a database error: a write can meet a server's tick transaction on the
 * same rows (MariaDB may pick it as a deadlock victim), and an admin's click should not fail for that.
 */
const write = <A>(what: string, effect: Effect.Effect<A, DbError>) =>
  effect.pipe(Effect.retry({ times: 2, schedule: Schedule.spaced("50 millis") }), Effect.catchTag("DbError", failed(what)))

const failed = (what: string) => (error: DbError) => {
  const answer = new ControlFailed({ error: `${what} failed: ${error.message}` })
  return Effect.logWarning("user control failed").pipe(Effect.annotateLogs({ error: error.message }), Effect.zipRight(Effect.fail(answer)))
}

type ControlError = ControlForbidden | ControlUnauthorized | ControlNotFound | ControlFailed
const STATUS = new Map<Function, number>([[ControlForbidden, 403], [ControlUnauthorized, 401], [ControlNotFound, 404], [ControlFailed, 500]])

/**
 * The error as its own response, `{ error }` with its status. (HttpApi would encode these through one union
 * of the four classes, and a union of structurally equal classes picks the first member's status: 404 for
 * all.) The endpoints still declare the four errors, so the OpenAPI document lists them.
 */
const respond = <A, R>(effect: Effect.Effect<A, ControlError, R>) =>
  Effect.catchAll(effect, (error) => Effect.succeed(HttpServerResponse.unsafeJson({ error: error.error }, { status: STATUS.get(error.constructor) ?? 500 })))

/** Pause/resume and reset: state in the database, which every server reads back within its REFRESH_INTERVAL. */
export const ControlHandlers = (adminToken: Redacted.Redacted<string>, publishControl: PublishControl) =>
  HttpApiBuilder.group(DashboardApi, "control", (handlers) =>
    Effect.gen(function*() {
      const watcher = yield* Watcher
      const db = yield* Db
      // A name is looked up in the watcher's state (re-read once, for a user that appeared since the last
      // round), so an unknown or malformed name never reaches a statement; a known one is a bound parameter.
      const existing = (username: string) =>
        Effect.gen(function*() {
          if ((yield* watcher.current).userJson.has(username)) return
          yield* watcher.refreshNow
          if (!(yield* watcher.current).userJson.has(username)) {
            return yield* Effect.fail(new ControlNotFound({ error: `no user named ${JSON.stringify(username)}` }))
          }
        })
      // After the write has committed: the event reports what the database now holds.
      const published = (user: string, action: ControlEvent["action"]) =>
        Effect.flatMap(db.now, (recorded_at) => publishControl(new ControlEvent({ user, action, recorded_at })))
      return handlers
        .handle("userStatus", ({ path }) =>
          Effect.flatMap(watcher.current, (view) =>
            view.userJson.has(path.username)
              ? Effect.succeed({ success: true as const, username: path.username, status: view.paused.has(path.username) ? "paused" as const : "active" as const })
              : Effect.fail(new ControlNotFound({ error: `no user named ${JSON.stringify(path.username)}` }))).pipe(respond))
        .handle("toggleUser", ({ path, request }) =>
          Effect.gen(function*() {
            yield* authorize(adminToken, request)
            yield* existing(path.username)
            const paused = yield* write("reading the pause", db.isPaused(path.username))
            yield* write("setting the pause", db.setPaused(path.username, !paused))
            yield* Effect.logInfo(paused ? "user resumed" : "user paused").pipe(Effect.annotateLogs({ user: path.username }))
            yield* published(path.username, paused ? "resume" : "pause")
            yield* watcher.refreshNow
            return { success: true as const, username: path.username, status: paused ? "active" as const : "paused" as const }
          }).pipe(respond))
        .handle("resetUser", ({ path, request }) =>
          Effect.gen(function*() {
            yield* authorize(adminToken, request)
            yield* existing(path.username)
            yield* write("resetting the points", db.resetPoints(path.username))
            yield* Effect.logInfo("user reset").pipe(Effect.annotateLogs({ user: path.username }))
            yield* published(path.username, "reset")
            yield* watcher.refreshNow
            return { success: true as const, username: path.username, message: `points of ${path.username} reset to 0` }
          }).pipe(respond))
    }))
