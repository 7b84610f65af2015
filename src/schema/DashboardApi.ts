import * as HttpApi from "@effect/platform/HttpApi"
import * as HttpApiEndpoint from "@effect/platform/HttpApiEndpoint"
import * as HttpApiGroup from "@effect/platform/HttpApiGroup"
import * as HttpApiSchema from "@effect/platform/HttpApiSchema"
import * as OpenApi from "@effect/platform/OpenApi"
import { Schema } from "effect"
import {
  ControlFailed,
  ControlForbidden,
  ControlNotFound,
  ControlUnauthorized,
  Envelope,
  HistoryEntry,
  HistoryQuery,
  ResetResult,
  ServerStatus,
  Snapshot,
  Stats,
  UserNotFound,
  UserPayload,
  UserStatus
} from "./DashboardPayloads.js"

// The name is any text here: it is looked up in the dashboard's state (or bound as a parameter), never
// parsed into SQL, so `' OR 1=1 --` is simply a user nobody has (404), not a 400.
const username = HttpApiSchema.param("username", Schema.String)

/** Reads, served from the dashboard's watcher (one database poll shared by every request and stream). */
export class ScoresGroup extends HttpApiGroup.make("scores")
  .add(HttpApiEndpoint.get("listUsers", "/users").addSuccess(Envelope(Schema.Array(UserPayload))).annotate(OpenApi.Summary, "Every user with points and last update"))
  .add(HttpApiEndpoint.get("getUser")`/users/${username}`.addSuccess(Envelope(UserPayload)).addError(UserNotFound).annotate(OpenApi.Summary, "One user; 404 when unknown"))
  .add(HttpApiEndpoint.get("listServers", "/servers").addSuccess(Envelope(Schema.Array(ServerStatus))).annotate(OpenApi.Summary, "Every roster server with its live status, probed over its own protocol"))
  .add(HttpApiEndpoint.get("stats", "/stats").addSuccess(Envelope(Stats)).annotate(OpenApi.Summary, "Total, average, max and min points, as numbers"))
  .add(
    HttpApiEndpoint.get("history", "/history").setUrlParams(HistoryQuery).addSuccess(Envelope(Schema.Array(HistoryEntry)))
      .annotate(OpenApi.Summary, "Recorded increments, newest first (?user= to filter, ?limit= 1-1000, default 100)")
  )
  .add(HttpApiEndpoint.get("snapshot", "/snapshot").addSuccess(Envelope(Snapshot)).annotate(OpenApi.Summary, "Everything the live page shows (what /api/events pushes)"))
  .prefix("/api")
{}

/** User control, seed 001's shape; the writes need `Authorization: Bearer <ADMIN_TOKEN>`. */
export class ControlGroup extends HttpApiGroup.make("control")
  .add(HttpApiEndpoint.get("userStatus")`/users/${username}/status`.addSuccess(UserStatus).addError(ControlNotFound).annotate(OpenApi.Summary, "Whether the user's updates are active or paused"))
  .add(
    HttpApiEndpoint.post("toggleUser")`/users/${username}/toggle`.addSuccess(UserStatus)
      .addError(ControlForbidden).addError(ControlUnauthorized).addError(ControlNotFound).addError(ControlFailed)
      .annotate(OpenApi.Summary, "Pause or resume the user's updates (Bearer ADMIN_TOKEN)")
  )
  .add(
    HttpApiEndpoint.post("resetUser")`/users/${username}/reset`.addSuccess(ResetResult)
      .addError(ControlForbidden).addError(ControlUnauthorized).addError(ControlNotFound).addError(ControlFailed)
      .annotate(OpenApi.Summary, "Set the user's points to 0 (Bearer ADMIN_TOKEN)")
  )
  .prefix("/api")
{}

export class DashboardApi extends HttpApi.make("scoreline")
  .add(ScoresGroup)
  .add(ControlGroup)
  .annotate(OpenApi.Title, "scoreline dashboard API")
  .annotate(OpenApi.Version, "0.1.0")
{}
