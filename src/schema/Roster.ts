import { Schema } from "effect"
import { Dialect } from "./PointsProtocol.js"
import { UserName } from "./ScoreRow.js"
import { TransportKind } from "./TransportKind.js"

/** One points server of a roster, and how its stack client talks to it. */
export const RosterEntry = Schema.Struct({
  user: UserName,
  transport: TransportKind,
  port: Schema.Int.pipe(Schema.between(1, 65535)),
  /** The dialect the roster's client speaks: seed 002's comma reply or seed 001's `get_data`. */
  dialect: Schema.optionalWith(Dialect, { default: () => "REQUEST_LATEST_POINTS" as const }),
  /** Points this server adds per interval (seed 001's add 10); POINTS_PER_TICK when absent. */
  pointsPerTick: Schema.optional(Schema.Int.pipe(Schema.positive()))
})
export type RosterEntry = typeof RosterEntry.Type

/** Which user runs on which transport and port: one seed's layout (rosters/*.json). */
export const Roster = Schema.Struct({
  name: Schema.String,
  description: Schema.String,
  servers: Schema.NonEmptyArray(RosterEntry)
}).pipe(
  Schema.filter((roster) => {
    const users = new Set(roster.servers.map((s) => s.user))
    const endpoints = new Set(roster.servers.map((s) => `${s.transport}/${s.port}`))
    if (users.size !== roster.servers.length) return "every user appears once"
    if (endpoints.size !== roster.servers.length) return "two servers share a transport and port"
    return true
  })
)
export type Roster = typeof Roster.Type

export const RosterFromJson = Schema.parseJson(Roster)
