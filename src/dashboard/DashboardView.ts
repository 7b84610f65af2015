import type { HistoryEntry, Snapshot } from "../schema/DashboardPayloads.js"

/**
 * One state of the dashboard with its answers encoded once (Schema-encoded, then JSON), when the state
 * changes rather than per request: a REST read is a map lookup and a string join, and every open stream is
 * sent the same bytes.
 */
export interface DashboardView {
  /** Goes up by one with each change browsers are told about (the SSE event id). */
  readonly version: number
  readonly snapshot: typeof Snapshot.Encoded
  /** The `data` of each read endpoint, as JSON text. */
  readonly json: {
    readonly users: string
    readonly stats: string
    readonly servers: string
    readonly snapshot: string
  }
  /** Each user's row as JSON text, by name. */
  readonly userJson: ReadonlyMap<string, string>
  readonly paused: ReadonlySet<string>
  /** The in-memory history window, newest first, for `/api/history`. */
  readonly history: ReadonlyArray<HistoryEntry>
  /** The Server-Sent Event that carries this state. */
  readonly event: string
}

export const makeView = (
  version: number,
  snapshot: typeof Snapshot.Encoded,
  history: ReadonlyArray<HistoryEntry>
): DashboardView => {
  const json = {
    users: JSON.stringify(snapshot.users),
    stats: JSON.stringify(snapshot.stats),
    servers: JSON.stringify(snapshot.servers),
    snapshot: JSON.stringify(snapshot)
  }
  return {
    version,
    snapshot,
    json,
    userJson: new Map(snapshot.users.map((row) => [row.user, JSON.stringify(row)])),
    paused: new Set(snapshot.paused),
    history,
    event: `id: ${version}\nevent: snapshot\ndata: ${json.snapshot}\n\n`
  }
}

/** Seed 001's envelope around data that is already JSON: `{"success":true,"data":…,"timestamp":"…"}`. */
export const envelopeJson = (dataJson: string, timestamp: string) =>
  `{"success":true,"data":${dataJson},"timestamp":"${timestamp}"}`
