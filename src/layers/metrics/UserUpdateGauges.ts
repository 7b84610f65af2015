import * as Prom from "prom-client"

/**
 * What a stall alert needs to tell a paused user from a stuck one (monitoring/rules.yml,
 * ScorelinePointsStalled): whether the user is paused, how long an interval is, and when its points last
 * moved. Set by the update fiber at each tick, never on the request path (the socket tallies stay typed
 * arrays: docs/BENCHMARKS.md). Each user's series exist from the fiber's start, so a rule sees them at 0
 * before the first tick.
 */
export interface UserUpdateGauges {
  /** The update fiber started: the user's series exist, with the interval; points "last moved" now. */
  readonly started: (user: string, intervalSeconds: number, nowMillis: number) => void
  /** A tick was written: whether the user is paused as the database said, and when points were added if they were. */
  readonly ticked: (user: string, paused: boolean, pointsAddedAtMillis: number | undefined) => void
}

export const makeUserUpdateGauges = (registers: Array<Prom.Registry>): UserUpdateGauges => {
  const paused = new Prom.Gauge({ name: "scoreline_user_paused", help: "1 while an operator has paused the user's updates, as the last tick read.", labelNames: ["user"], registers })
  const interval = new Prom.Gauge({ name: "scoreline_update_interval_seconds", help: "The user's update interval (UPDATE_INTERVAL), in seconds.", labelNames: ["user"], registers })
  const lastChange = new Prom.Gauge({ name: "scoreline_points_last_change_timestamp_seconds", help: "When this process last added points to the user (Unix seconds); its start until then.", labelNames: ["user"], registers })
  return {
    started: (user, intervalSeconds, nowMillis) => {
      interval.set({ user }, intervalSeconds)
      paused.set({ user }, 0)
      lastChange.set({ user }, nowMillis / 1000)
    },
    ticked: (user, isPaused, pointsAddedAtMillis) => {
      paused.set({ user }, isPaused ? 1 : 0)
      if (pointsAddedAtMillis !== undefined) lastChange.set({ user }, pointsAddedAtMillis / 1000)
    }
  }
}
