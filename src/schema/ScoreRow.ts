import { Order, Schema } from "effect"
import { Timestamp } from "./Timestamp.js"

/** A user's name as the `scores` table holds it (`VARCHAR(50)`). */
export const UserName = Schema.String.pipe(
  Schema.minLength(1),
  Schema.maxLength(50),
  Schema.pattern(/^[^\s,|]+$/, { message: () => "a user name has no spaces, commas or pipes" }),
  Schema.annotations({ identifier: "UserName" })
)

/** One row of `scores(user, points, datetime_stamp)`: the state one points server owns. */
export class ScoreRow extends Schema.Class<ScoreRow>("ScoreRow")({
  user: UserName,
  points: Schema.Int,
  datetime_stamp: Timestamp
}) {}

/**
 * How rows are listed, the same in every store: by name ignoring case, then exactly. (Collations differ:
 * SQLite sorts `Zed` before `bob`, MariaDB does not; the seeds mix `Afif` with `ikhwan`.)
 */
export const byUser: Order.Order<ScoreRow> = Order.combine(
  Order.mapInput(Order.string, (row: ScoreRow) => row.user.toLowerCase()),
  Order.mapInput(Order.string, (row: ScoreRow) => row.user)
)
