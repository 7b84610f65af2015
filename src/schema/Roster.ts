import { Schema } from "effect"
import { Dialect } from "./PointsProtocol.js"
import { UserName } from "./ScoreRow.js"
import { TransportKind } from "./TransportKind.js"

/**
 * A group of a roster's servers (seed 001's `python` and `c`): a compose profile and a Kubernetes label value,
 * so lower case letters, digits and `-`, a letter first.
 */
export const GroupName = Schema.String.pipe(
  Schema.pattern(/^[a-z][a-z0-9-]{0,30}$/, { message: () => "a group is lower case letters, digits and -, a letter first, at most 31" }),
  Schema.annotations({ identifier: "GroupName" })
)

/** One points server of a roster, and how its stack client talks to it. */
export const RosterEntry = Schema.Struct({
  user: UserName,
  transport: TransportKind,
  port: Schema.Int.pipe(Schema.between(1, 65535)),
  /** The dialect the roster's client speaks: seed 002's comma reply or seed 001's `get_data`. */
  dialect: Schema.optionalWith(Dialect, { default: () => "REQUEST_LATEST_POINTS" as const }),
  /** Points this server adds per interval (seed 001's add 10); POINTS_PER_TICK when absent. */
  pointsPerTick: Schema.optional(Schema.Int.pipe(Schema.positive())),
  /** The group it belongs to (the language its seed wrote it in): a compose profile, a Kubernetes label. */
  group: Schema.optional(GroupName)
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
