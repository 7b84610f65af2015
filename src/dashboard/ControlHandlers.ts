import { HttpApiBuilder, type HttpServerRequest } from "@effect/platform"
import { Effect, Option, Redacted } from "effect"
import { createHash, timingSafeEqual } from "node:crypto"
import { Db, type DbError } from "../layers/Db.js"
import { DashboardApi } from "../schema/DashboardApi.js"
import { ControlFailed, ControlForbidden, ControlNotFound, ControlUnauthorized } from "../schema/DashboardPayloads.js"
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

const failed = (what: string) => (error: DbError) => {
  const answer = new ControlFailed({ error: `${what} failed: ${error.message}` })
  return Effect.logWarning("user control failed").pipe(Effect.annotateLogs({ error: error.message }), Effect.zipRight(Effect.fail(answer)))
}

/** Pause/resume and reset: state in the database, which every server reads back within its REFRESH_INTERVAL. */
export const ControlHandlers = (adminToken: Redacted.Redacted<string>) =>
  HttpApiBuilder.group(DashboardApi, "control", (handlers) =>
    Effect.gen(function*() {
      const watcher = yield* Watcher
      const db = yield* Db
      // The name is only ever a bound parameter (findUser), never text in a statement.
      const existing = (username: string) =>
        db.findUser(username).pipe(
          Effect.catchTag("DbError", failed("looking up the user")),
          Effect.flatMap(Option.match({
            onNone: () => Effect.fail(new ControlNotFound({ error: `no user named ${JSON.stringify(username)}` })),
            onSome: () => Effect.void
          }))
        )
      return handlers
        .handle("userStatus", ({ path }) => {
          const view = watcher.current()
          return view.userJson.has(path.username)
            ? Effect.succeed({ success: true as const, username: path.username, status: view.paused.has(path.username) ? "paused" as const : "active" as const })
            : Effect.fail(new ControlNotFound({ error: `no user named ${JSON.stringify(path.username)}` }))
        })
        .handle("toggleUser", ({ path, request }) =>
          Effect.gen(function*() {
            yield* authorize(adminToken, request)
            yield* existing(path.username)
            const paused = yield* db.isPaused(path.username).pipe(Effect.catchTag("DbError", failed("reading the pause")))
            yield* db.setPaused(path.username, !paused).pipe(Effect.catchTag("DbError", failed("setting the pause")))
            yield* Effect.logInfo(paused ? "user resumed" : "user paused").pipe(Effect.annotateLogs({ user: path.username }))
            yield* watcher.refreshNow
            return { success: true as const, username: path.username, status: paused ? "active" as const : "paused" as const }
          }))
        .handle("resetUser", ({ path, request }) =>
          Effect.gen(function*() {
            yield* authorize(adminToken, request)
            yield* existing(path.username)
            yield* db.resetPoints(path.username).pipe(Effect.catchTag("DbError", failed("resetting the points")))
            yield* Effect.logInfo("user reset").pipe(Effect.annotateLogs({ user: path.username }))
            yield* watcher.refreshNow
            return { success: true as const, username: path.username, message: `points of ${path.username} reset to 0` }
          }))
    }))
