import { DateTime } from "effect"
import { formatTimestamp, type Timestamp } from "../schema/Timestamp.js"
import type { DashboardView } from "./DashboardView.js"

/**
 * The `data` of each read endpoint that is answered from the watcher's view as it stands, as JSON text the
 * watcher encoded with DashboardApi's schemas when the state changed; undefined: no such user (the
 * endpoint's declared 404). The handlers and the fast path (FastReads) both answer from here, so their
 * bodies cannot drift apart; the keys are DashboardApi's endpoint names.
 */
export const viewReads = {
  listUsers: (view: DashboardView) => view.json.users,
  listServers: (view: DashboardView) => view.json.servers,
  stats: (view: DashboardView) => view.json.stats,
  snapshot: (view: DashboardView) => view.json.snapshot,
  getUser: (view: DashboardView, params: Readonly<Record<string, string>>) => view.userJson.get(params.username ?? "")
} satisfies Record<string, (view: DashboardView, params: Readonly<Record<string, string>>) => string | undefined>

export type ViewRead = keyof typeof viewReads

/** The envelope's `timestamp` for a time in milliseconds, on the given wall clock, formatted at most once a second. */
export const makeStamper = (zone: DateTime.TimeZone): (millis: number) => Timestamp => {
  let second = -1
  let text = "" as Timestamp
  return (millis) => {
    const current = Math.floor(millis / 1000)
    if (current !== second) {
      second = current
      text = formatTimestamp(DateTime.unsafeMake(millis), zone)
    }
    return text
  }
}
