import { describe, expect, it } from "vitest"
import type { HistoryEntry, ServerStatus } from "../../src/schema/DashboardPayloads.js"
import { ScoreRow } from "../../src/schema/ScoreRow.js"
import type { Timestamp } from "../../src/schema/Timestamp.js"
import { CHART_POINTS, initialState, needsHistory, withDatabaseRead, withServers } from "../../src/dashboard/WatcherState.js"

/** The dashboard watcher's state, one transition at a time (what test/dashboard/live.test.ts sees only through HTTP). */
const at = (seconds: number) => `2026-12-04 00:00:${String(seconds).padStart(2, "0")}` as Timestamp
const row = (user: string, points: number, seconds = 0) => new ScoreRow({ user, points, datetime_stamp: at(seconds) })
const entry = (user: string, slot: number): HistoryEntry => ({ user, slot, points: 1, recorded_at: at(slot % 60) })
const server = (user: string, status: ServerStatus["status"], rtt: number | null = null): ServerStatus => ({
  name: `${user}-server`, user, transport: "tcp", host: "127.0.0.1", port: 5001, control_port: null, language: "typescript",
  status, rtt_ms: rtt, error: null, checked_at: null
})

describe("the watcher's state", () => {
  it("starts empty at version 0 with the servers unprobed, and the history due on the first round", () => {
    const state = initialState([server("ana", "unknown")])
    expect(state.view.version).toBe(0)
    expect(state.users).toEqual([])
    expect(state.view.snapshot.paused).toEqual([])
    expect(state.historyStale).toBe(true)
    expect(needsHistory(state, [])).toBe(true)
    expect(state.view.snapshot.servers.map((s) => s.status)).toEqual(["unknown"])
    expect(state.view.snapshot.stats).toEqual({ total_points: 0, avg_points: 0, max_points: 0, min_points: 0, total_users: 0 })
  })

  it("a read that changes the points goes up a version, encodes the rows, the stats and the pauses (sorted)", () => {
    const first = withDatabaseRead(initialState([]), { users: [row("ana", 3), row("bo", 7)], paused: ["zed", "bo"], history: [entry("ana", 2)] })
    expect(first.view.version).toBe(1)
    expect(first.view.snapshot.users).toEqual([{ user: "ana", points: 3, datetime_stamp: at(0) }, { user: "bo", points: 7, datetime_stamp: at(0) }])
    expect(first.view.snapshot.stats).toEqual({ total_points: 10, avg_points: 5, max_points: 7, min_points: 3, total_users: 2 })
    expect(first.paused).toEqual(["bo", "zed"])
    expect([...first.view.paused]).toEqual(["bo", "zed"])
    expect(JSON.parse(first.view.userJson.get("bo")!)).toEqual({ user: "bo", points: 7, datetime_stamp: at(0) })
    expect(first.view.json.snapshot).toBe(JSON.stringify(first.view.snapshot))
    expect(first.view.event).toBe(`id: 1\nevent: snapshot\ndata: ${first.view.json.snapshot}\n\n`)
  })

  it("the same read again keeps the version (no push), and asks for the history once more after a change only", () => {
    const read = { users: [row("ana", 3)], paused: [] }
    const changed = withDatabaseRead(initialState([]), { ...read, history: [entry("ana", 1)] })
    // The ledger row may land a round after the points: one more history read.
    expect(changed.historyStale).toBe(true)
    expect(needsHistory(changed, read.users)).toBe(true)
    const same = withDatabaseRead(changed, read)
    expect(same.view.version).toBe(changed.view.version)
    expect(same.historyStale).toBe(false)
    expect(needsHistory(same, read.users)).toBe(false)
    expect(needsHistory(same, [row("ana", 4)])).toBe(true)
    // A round without a history read keeps the one held.
    expect(same.history).toEqual([entry("ana", 1)])
  })

  it("a pause alone is a change browsers are told about", () => {
    const before = withDatabaseRead(initialState([]), { users: [row("ana", 3)], paused: [], history: [] })
    const paused = withDatabaseRead(before, { users: [row("ana", 3)], paused: ["ana"] })
    expect(paused.view.version).toBe(before.view.version + 1)
    expect(paused.view.snapshot.paused).toEqual(["ana"])
  })

  it("a newer history head is a change; the chart keeps the newest CHART_POINTS of each user, /api/history the whole window", () => {
    const history = Array.from({ length: CHART_POINTS + 5 }, (_, i) => entry("ana", 100 - i)).concat([entry("bo", 1)])
    const state = withDatabaseRead(initialState([]), { users: [row("ana", 25), row("bo", 1)], paused: [], history })
    const chart = state.view.snapshot.history
    expect(chart.filter((h) => h.user === "ana")).toHaveLength(CHART_POINTS)
    expect(chart.filter((h) => h.user === "ana")[0]!.slot).toBe(100)
    expect(chart.filter((h) => h.user === "bo")).toHaveLength(1)
    expect(state.view.history).toHaveLength(history.length)
    const newer = withDatabaseRead(state, { users: state.users, paused: [], history: [entry("ana", 101), ...history] })
    expect(newer.view.version).toBe(state.view.version + 1)
  })

  it("a probe's status change is pushed; its round-trip time alone is not, and rides along with the next change", () => {
    const base = withServers(initialState([server("ana", "unknown")]), [server("ana", "up", 1.5)])
    expect(base.view.version).toBe(1)
    const faster = withServers(base, [server("ana", "up", 0.7)])
    expect(faster.view.version).toBe(base.view.version)
    expect(faster.view.snapshot.servers[0]!.rtt_ms).toBe(0.7)
    const down = withServers(faster, [server("ana", "down")])
    expect(down.view.version).toBe(base.view.version + 1)
  })
})
