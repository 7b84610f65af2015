import { Schema } from "effect"
import { Slot } from "./PointTick.js"
import { UserName } from "./ScoreRow.js"
import { Timestamp } from "./Timestamp.js"

/**
 * One claimed interval as an event on the broker (`points.<user>`): what the interval added and the row's
 * points just after it. The body is this, as JSON; its `messageId` is `<user>:<slot>`, the same for every
 * replica and every retry, so a consumer can process each interval once.
 */
export class PointEvent extends Schema.Class<PointEvent>("PointEvent")({
  user: UserName,
  slot: Slot,
  points: Schema.Int,
  total: Schema.Int,
  recorded_at: Timestamp
}) {}

/** The event's `messageId`: one per interval of a user, whoever publishes it. */
export const eventMessageId = (event: { readonly user: string; readonly slot: number }) => `${event.user}:${event.slot}`

/** A reset, pause or resume from the dashboard (`control.<user>`). */
export class ControlEvent extends Schema.Class<ControlEvent>("ControlEvent")({
  user: UserName,
  action: Schema.Literal("reset", "pause", "resume"),
  recorded_at: Timestamp
}) {}
