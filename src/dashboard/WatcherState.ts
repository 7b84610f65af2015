import { Schema } from "effect"
import { type HistoryEntry, type ServerStatus, Snapshot, type Stats } from "../schema/DashboardPayloads.js"
import type { ScoreRow } from "../schema/ScoreRow.js"
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
  encoded({ users: [], paused: [], history: [], servers, historyStale: true }, undefined)

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
