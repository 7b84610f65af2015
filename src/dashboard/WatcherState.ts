import { Schema } from "effect"
import { type HistoryEntry, type ServerStatus, Snapshot, type Stats } from "../schema/DashboardPayloads.js"
import type { ControlEvent, PointEvent } from "../schema/PointEvent.js"
import { ScoreRow } from "../schema/ScoreRow.js"
import type { Timestamp } from "../schema/Timestamp.js"
import { type DashboardView, makeView } from "./DashboardView.js"

/** Increments kept in memory for `/api/history` (its largest `limit`). */
export const HISTORY_WINDOW = 1000
/** Increments per user the live page's line chart shows (seed 001: "the last 20 updates"). */
export const CHART_POINTS = 20

/** Everything the dashboard's watcher knows, as one value: what it read, and the view encoded from it. */
export interface WatcherState {
  readonly users: ReadonlyArray<ScoreRow>
  readonly paused: ReadonlyArray<string>
  /** The newest HISTORY_WINDOW increments, newest first. */
  readonly history: ReadonlyArray<HistoryEntry>
  readonly servers: ReadonlyArray<ServerStatus>
  /** The history must be read on the next round (points changed on this one: their ledger rows may lag). */
  readonly historyStale: boolean
  /** When each user was last reset, as control events said: a point event claimed before it is history only. */
  readonly resets: ReadonlyMap<string, Timestamp>
  /** What decides that browsers get a push (see changeKey). */
  readonly key: string
  readonly view: DashboardView
}

/** The newest CHART_POINTS increments of each user, newest first. */
const chartHistory = (history: ReadonlyArray<HistoryEntry>) => {
  const seen = new Map<string, number>()
  return history.filter((entry) => {
    const count = (seen.get(entry.user) ?? 0) + 1
    seen.set(entry.user, count)
    return count <= CHART_POINTS
  })
}

const statsOf = (users: ReadonlyArray<ScoreRow>): Stats => {
  const points = users.map((row) => row.points)
  const total = points.reduce((sum, n) => sum + n, 0)
  return {
    total_points: total,
    avg_points: points.length === 0 ? 0 : total / points.length,
    max_points: points.length === 0 ? 0 : Math.max(...points),
    min_points: points.length === 0 ? 0 : Math.min(...points),
    total_users: points.length
  }
}

const encodeSnapshot = Schema.encodeSync(Snapshot)
/** What decides that browsers get a push: everything but the probes' round-trip times and stamps. */
const changeKey = (snapshot: Snapshot) =>
  JSON.stringify([snapshot.users, snapshot.paused, snapshot.history[0], snapshot.servers.map((s) => s.status)])

/**
 * The state with its view re-encoded from what it now holds. The version goes up only when something a browser
 * shows changed; probes' timings ride along with the next real change.
 */
const encoded = (state: Omit<WatcherState, "key" | "view">, previous: Pick<WatcherState, "key" | "view"> | undefined): WatcherState => {
  const snapshot: Snapshot = { users: state.users, stats: statsOf(state.users), servers: state.servers, paused: state.paused, history: chartHistory(state.history) }
  const key = changeKey(snapshot)
  const version = previous === undefined ? 0 : key === previous.key ? previous.view.version : previous.view.version + 1
  return { ...state, key, view: makeView(version, encodeSnapshot(snapshot), state.history) }
}

export const initialState = (servers: ReadonlyArray<ServerStatus>): WatcherState =>
  encoded({ users: [], paused: [], history: [], servers, historyStale: true, resets: new Map() }, undefined)

/** What one round of database reads brought: the history only when it was read. */
export interface DatabaseRead {
  readonly users: ReadonlyArray<ScoreRow>
  readonly paused: ReadonlyArray<string>
  readonly history?: ReadonlyArray<HistoryEntry>
}

/** Whether a round must read the history: points changed since the last round, or did on the one before. */
export const needsHistory = (state: WatcherState, users: ReadonlyArray<ScoreRow>) =>
  state.historyStale || JSON.stringify(users) !== JSON.stringify(state.users)

export const withDatabaseRead = (state: WatcherState, read: DatabaseRead): WatcherState =>
  encoded({
    ...state,
    users: read.users,
    paused: [...read.paused].sort(),
    history: read.history ?? state.history,
    // A server's increment and its ledger row need not land in the same round: read once more after a change.
    historyStale: JSON.stringify(read.users) !== JSON.stringify(state.users)
  }, state)

export const withServers = (state: WatcherState, servers: ReadonlyArray<ServerStatus>): WatcherState =>
  encoded({ ...state, servers }, state)

/**
 * Whether a probe found a server answering for a user the state has no row for. A server writes its row before
 * it listens, with no event: a watcher that follows the events reads the database then, instead of showing the
 * user only at its first interval.
 */
export const answersWithoutRow = (state: WatcherState, servers: ReadonlyArray<ServerStatus>): boolean => {
  const known = new Set(state.users.map((row) => row.user))
  return servers.some((server) => server.status === "up" && !known.has(server.user))
}

/** What the broker tells the watcher (points.<user> and control.<user>, decoded). */
export type WatcherEvent =
  | { readonly _tag: "Point"; readonly event: PointEvent }
  | { readonly _tag: "Control"; readonly event: ControlEvent }

/** The state after a batch of events, and whether only the database can settle what they left unsure. */
export interface EventsApplied {
  readonly state: WatcherState
  readonly readDatabase: boolean
}

/** The ledger's order: newest first by `recorded_at`, then by slot. */
const newestFirst = (a: HistoryEntry, b: HistoryEntry) =>
  a.recorded_at < b.recorded_at ? 1 : a.recorded_at > b.recorded_at ? -1 : b.slot - a.slot

/**
 * A batch of events applied in order, encoded once. Delivery is at least once and not ordered across
 * publishers, so: an interval already in the history changes nothing; an older interval than one shown joins
 * the history but leaves the row; an interval claimed before the user's last reset (or the row's last stamp)
 * is history only. One claimed in the very second of a reset cannot be placed: the database settles it, as it
 * does the reset itself. A pause or a resume is applied as it comes.
 */
export const withEvents = (state: WatcherState, events: ReadonlyArray<WatcherEvent>): EventsApplied => {
  const rows = new Map(state.users.map((row) => [row.user, row]))
  const paused = new Set(state.paused)
  const resets = new Map(state.resets)
  const seen = new Set(state.history.map((entry) => `${entry.user}:${entry.slot}`))
  const newestSlot = new Map<string, number>()
  for (const entry of state.history) newestSlot.set(entry.user, Math.max(newestSlot.get(entry.user) ?? entry.slot, entry.slot))
  const added: Array<HistoryEntry> = []
  let readDatabase = false
  for (const item of events) {
    if (item._tag === "Control") {
      const { action, recorded_at, user } = item.event
      if (action === "pause") paused.add(user)
      else if (action === "resume") paused.delete(user)
      else {
        resets.set(user, recorded_at)
        readDatabase = true
      }
      continue
    }
    const { points, recorded_at, slot, total, user } = item.event
    const id = `${user}:${slot}`
    if (seen.has(id)) continue
    seen.add(id)
    added.push({ user, slot, points, recorded_at })
    const reset = resets.get(user)
    if (reset !== undefined && recorded_at <= reset) {
      if (recorded_at === reset) readDatabase = true
      continue
    }
    if (slot < (newestSlot.get(user) ?? slot)) continue
    newestSlot.set(user, slot)
    const row = rows.get(user)
    if (row !== undefined && recorded_at < row.datetime_stamp) continue
    rows.set(user, new ScoreRow({ user, points: total, datetime_stamp: recorded_at }))
  }
  const known = new Set(state.users.map((row) => row.user))
  const newcomers = [...rows.values()].filter((row) => !known.has(row.user)).sort((a, b) => (a.user < b.user ? -1 : a.user > b.user ? 1 : 0))
  return {
    state: encoded({
      ...state,
      users: [...state.users.map((row) => rows.get(row.user)!), ...newcomers],
      paused: [...paused].sort(),
      history: added.length === 0 ? state.history : [...added, ...state.history].sort(newestFirst).slice(0, HISTORY_WINDOW),
      resets,
      historyStale: false
    }, state),
    readDatabase
  }
}
