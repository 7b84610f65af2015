import * as HttpApiSchema from "@effect/platform/HttpApiSchema"
import { Schema } from "effect"
import { ScoreRow } from "./ScoreRow.js"
import { Timestamp } from "./Timestamp.js"
import { TransportKind } from "./TransportKind.js"

/**
 * What the dashboard's REST API sends, as Schemas: the OpenAPI document, the handlers and the live page's
 * payloads all come from these. Key names are seed 001's (`total_points`, `datetime_stamp`, `control_port`),
 * so their own dashboard.js reads our API unchanged; numbers are JSON numbers (theirs sent strings).
 */

/** Seed 001's envelope: `{ success: true, data, timestamp }`, the timestamp being when the answer was made. */
export const Envelope = <A, I, R>(data: Schema.Schema<A, I, R>) =>
  Schema.Struct({ success: Schema.Literal(true), data, timestamp: Timestamp })

export const UserPayload = ScoreRow

export const Stats = Schema.Struct({
  total_points: Schema.Number,
  avg_points: Schema.Number,
  max_points: Schema.Number,
  min_points: Schema.Number,
  total_users: Schema.Int
}).annotations({ identifier: "Stats" })
export type Stats = typeof Stats.Type

export const ServerStatus = Schema.Struct({
  name: Schema.String,
  user: Schema.String,
  transport: TransportKind,
  host: Schema.String,
  port: Schema.Int,
  /** Seed 001 had a control port per server; ours are controlled through this API, so there is none. */
  control_port: Schema.Null,
  language: Schema.Literal("typescript"),
  /** `up` when the server answered a points request over its own protocol at the last probe. */
  status: Schema.Literal("up", "down", "unknown"),
  /** Round-trip time of the last probe in milliseconds; null when it did not answer. */
  rtt_ms: Schema.NullOr(Schema.Number),
  /** Why the last probe failed, null when it answered. */
  error: Schema.NullOr(Schema.String),
  checked_at: Schema.NullOr(Timestamp)
}).annotations({ identifier: "ServerStatus" })
export type ServerStatus = typeof ServerStatus.Type

/** One recorded increment (a row of the `point_ticks` ledger). */
export const HistoryEntry = Schema.Struct({
  user: Schema.String,
  slot: Schema.Number,
  points: Schema.Int,
  recorded_at: Timestamp
}).annotations({ identifier: "HistoryEntry" })
export type HistoryEntry = typeof HistoryEntry.Type

export const HistoryQuery = Schema.Struct({
  user: Schema.optional(Schema.String),
  limit: Schema.optionalWith(Schema.NumberFromString.pipe(Schema.int(), Schema.between(1, 1000)), { default: () => 100 })
})

/** Everything the live page shows, as pushed on `/api/events` and answered by `/api/snapshot`. */
export const Snapshot = Schema.Struct({
  users: Schema.Array(UserPayload),
  stats: Stats,
  servers: Schema.Array(ServerStatus),
  paused: Schema.Array(Schema.String),
  /** The newest increments of every user, newest first (the line chart's points). */
  history: Schema.Array(HistoryEntry)
}).annotations({ identifier: "Snapshot" })
export type Snapshot = typeof Snapshot.Type

export const UserStatus = Schema.Struct({
  success: Schema.Literal(true),
  username: Schema.String,
  status: Schema.Literal("active", "paused")
}).annotations({ identifier: "UserStatus" })

export const ResetResult = Schema.Struct({
  success: Schema.Literal(true),
  username: Schema.String,
  message: Schema.String
}).annotations({ identifier: "ResetResult" })

/** An unknown user on the read endpoints: seed 001's `{ success: false, message }`. */
export class UserNotFound extends Schema.Class<UserNotFound>("UserNotFound")(
  { success: Schema.Literal(false), message: Schema.String, timestamp: Timestamp },
  HttpApiSchema.annotations({ status: 404 })
) {}

// The control endpoints' errors are seed 001's `{ error }`, one class per status.
const errorFields = { error: Schema.String }
export class ControlForbidden extends Schema.Class<ControlForbidden>("ControlForbidden")(errorFields, HttpApiSchema.annotations({ status: 403 })) {}
export class ControlUnauthorized extends Schema.Class<ControlUnauthorized>("ControlUnauthorized")(errorFields, HttpApiSchema.annotations({ status: 401 })) {}
export class ControlNotFound extends Schema.Class<ControlNotFound>("ControlNotFound")(errorFields, HttpApiSchema.annotations({ status: 404 })) {}
export class ControlFailed extends Schema.Class<ControlFailed>("ControlFailed")(errorFields, HttpApiSchema.annotations({ status: 500 })) {}
