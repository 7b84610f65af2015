import { Schema } from "effect"
import { UserName } from "./ScoreRow.js"
import { Timestamp } from "./Timestamp.js"

/**
 * An interval slot: `floor(epoch milliseconds / interval milliseconds)`. Every replica of a user with the same
 * `UPDATE_INTERVAL` numbers the intervals alike, which is what lets the ledger count each one once. BIGINT:
 * mysql2 hands it over as a number (or as text beyond 2^53, which no slot reaches before the year 2255 even at
 * 1 ms intervals), SQLite as a number.
 */
export const Slot = Schema.Union(Schema.Int, Schema.NumberFromString.pipe(Schema.int())).pipe(
  Schema.annotations({ identifier: "Slot" })
)
export type Slot = number

/** One row of `point_ticks`: the slot a tick claimed for a user, the points it added, and when it was written. */
export class PointTick extends Schema.Class<PointTick>("PointTick")({
  user: UserName,
  slot: Slot,
  points: Schema.Int,
  recorded_at: Timestamp
}) {}

/** `user_control.paused` (and `COALESCE(paused, 0)`) as the drivers return it: 0/1, or "0"/"1", as a boolean. */
export const PausedFlag = Schema.transform(Schema.Union(Schema.Number, Schema.NumberFromString, Schema.Boolean), Schema.Boolean, {
  strict: true,
  decode: (value) => value !== 0 && value !== false,
  encode: (paused) => (paused ? 1 : 0)
})
