import { describe, expect, it } from "vitest"
import type { HistoryEntry, ServerStatus } from "../../src/schema/DashboardPayloads.js"
import { ScoreRow } from "../../src/schema/ScoreRow.js"
import type { Timestamp } from "../../src/schema/Timestamp.js"
import { ControlEvent, PointEvent } from "../../src/schema/PointEvent.js"
import type { Slot } from "../../src/schema/PointTick.js"
import { answersWithoutRow, CHART_POINTS, HISTORY_WINDOW, initialState, needsHistory, type WatcherEvent, withDatabaseRead, withEvents, withServers } from "../../src/dashboard/WatcherState.js"

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

  it("a server up for a user with no row asks for a read; one down, unprobed, or whose row is known does not", () => {
    const state = withDatabaseRead(initialState([]), { users: [row("ana", 3)], paused: [] })
    expect(answersWithoutRow(state, [server("ana", "up"), server("bo", "up")])).toBe(true)
    expect(answersWithoutRow(state, [server("ana", "up"), server("bo", "down"), server("cy", "unknown")])).toBe(false)
    expect(answersWithoutRow(state, [])).toBe(false)
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

  describe("following the broker's events", () => {
    const point = (user: string, slot: number, total: number, seconds = slot % 60): WatcherEvent =>
      ({ _tag: "Point", event: new PointEvent({ user, slot: slot as Slot, points: 1, total, recorded_at: at(seconds) }) })
    const control = (user: string, action: ControlEvent["action"], seconds: number): WatcherEvent =>
      ({ _tag: "Control", event: new ControlEvent({ user, action, recorded_at: at(seconds) }) })
    const read = withDatabaseRead(initialState([]), { users: [row("ana", 3, 10), row("bo", 7, 10)], paused: [], history: [entry("ana", 10), entry("bo", 10)] })

    it("a point event sets the row to its total, stamps it, joins the history at its head, and is one push", () => {
      const { readDatabase, state } = withEvents(read, [point("ana", 11, 4)])
      expect(readDatabase).toBe(false)
      expect(state.view.snapshot.users).toEqual([{ user: "ana", points: 4, datetime_stamp: at(11) }, { user: "bo", points: 7, datetime_stamp: at(10) }])
      expect(state.history[0]).toEqual({ user: "ana", slot: 11, points: 1, recorded_at: at(11) })
      expect(state.view.snapshot.stats.total_points).toBe(11)
      expect(state.view.version).toBe(read.view.version + 1)
    })

    it("a batch is applied in order and encoded once: one version for many events", () => {
      const { state } = withEvents(read, [point("ana", 11, 4), point("bo", 11, 8), point("ana", 12, 5)])
      expect(state.users.map((r) => [r.user, r.points])).toEqual([["ana", 5], ["bo", 8]])
      expect(state.history[0]).toMatchObject({ user: "ana", slot: 12 })
      expect(state.history.slice(1, 3).map((h) => `${h.user}:${h.slot}`).sort()).toEqual(["ana:11", "bo:11"])
      expect(state.view.version).toBe(read.view.version + 1)
    })

    it("a second delivery of an interval changes nothing, not even the version", () => {
      const once = withEvents(read, [point("ana", 11, 4)]).state
      const twice = withEvents(once, [point("ana", 11, 4)])
      expect(twice.state.view.version).toBe(once.view.version)
      expect(twice.state.history.filter((h) => h.user === "ana" && h.slot === 11)).toHaveLength(1)
    })

    it("an interval older than one shown joins the history but leaves the row (a slower replica's event)", () => {
      const newer = withEvents(read, [point("ana", 13, 6)]).state
      const late = withEvents(newer, [point("ana", 12, 5)]).state
      expect(late.users.find((r) => r.user === "ana")!.points).toBe(6)
      expect(late.history.slice(0, 2).map((h) => h.slot)).toEqual([13, 12])
    })

    it("a user no read has seen yet appears with its first event, after the users already shown", () => {
      const { state } = withEvents(read, [point("al", 11, 1)])
      expect(state.users.map((r) => r.user)).toEqual(["ana", "bo", "al"])
    })

    it("a pause and a resume apply as they come, sorted", () => {
      const paused = withEvents(read, [control("bo", "pause", 12), control("ana", "pause", 12)])
      expect(paused.readDatabase).toBe(false)
      expect(paused.state.view.snapshot.paused).toEqual(["ana", "bo"])
      expect(withEvents(paused.state, [control("ana", "resume", 13)]).state.view.snapshot.paused).toEqual(["bo"])
    })

    it("a reset asks for a read; an interval claimed before it is history only, one in its very second asks again", () => {
      const reset = withEvents(read, [control("ana", "reset", 20)])
      expect(reset.readDatabase).toBe(true)
      // The database's answer: 0 points, stamped at the reset.
      const settled = withDatabaseRead(reset.state, { users: [row("ana", 0, 20), row("bo", 7, 10)], paused: [] })
      const before = withEvents(settled, [point("ana", 19, 12, 19)])
      expect(before.readDatabase).toBe(false)
      expect(before.state.users[0]!.points).toBe(0)
      expect(before.state.history[0]).toMatchObject({ user: "ana", slot: 19 })
      const sameSecond = withEvents(settled, [point("ana", 20, 13, 20)])
      expect(sameSecond.readDatabase).toBe(true)
      expect(sameSecond.state.users[0]!.points).toBe(0)
      const after = withEvents(settled, [point("ana", 21, 1, 21)])
      expect(after.readDatabase).toBe(false)
      expect(after.state.users[0]!.points).toBe(1)
    })

    it("new users join after those shown, sorted by name among themselves", () => {
      const { state } = withEvents(read, [point("zed", 11, 1), point("al", 11, 1), point("bo", 11, 8)])
      expect(state.users.map((r) => r.user)).toEqual(["ana", "bo", "al", "zed"])
    })

    it("the history stays newest first: by time, then by slot (a catch-up claims several slots in one second)", () => {
      const { state } = withEvents(read, [point("bo", 11, 8, 11), point("ana", 13, 5, 13), point("cy", 20, 1, 30), point("ana", 12, 4, 12), point("cy", 21, 2, 30)])
      expect(state.history.map((h) => `${h.user}:${h.slot}`)).toEqual(["cy:21", "cy:20", "ana:13", "ana:12", "bo:11", "ana:10", "bo:10"])
      expect(state.historyStale).toBe(false)
    })

    it("a late interval is placed against the newest the history holds, not the oldest", () => {
      const gap = withDatabaseRead(initialState([]), { users: [row("ana", 9, 5)], paused: [], history: [entry("ana", 11), entry("ana", 9)] })
      expect(withEvents(gap, [point("ana", 10, 4, 6)]).state.users[0]!.points).toBe(9)
    })

    it("within one second: a newer slot is applied, an older one is not (both stamped alike)", () => {
      const sameSecond = withEvents(read, [point("ana", 11, 4, 10)]).state
      expect(sameSecond.users[0]).toMatchObject({ points: 4, datetime_stamp: at(10) })
      const late = withEvents(read, [point("ana", 13, 6, 13), point("ana", 12, 5, 13)]).state
      expect(late.users[0]!.points).toBe(6)
    })

    it("the history keeps the newest HISTORY_WINDOW entries, however many events a batch brings", () => {
      const many = Array.from({ length: HISTORY_WINDOW + 10 }, (_, i) => point("ana", 100 + i, 4 + i, 59))
      const { state } = withEvents(read, many)
      expect(state.history).toHaveLength(HISTORY_WINDOW)
      expect(state.users[0]!.points).toBe(4 + HISTORY_WINDOW + 9)
    })

    it("an interval stamped before the row's last change (an edit the database saw) leaves the row", () => {
      const edited = withDatabaseRead(read, { users: [row("ana", 50, 30), row("bo", 7, 10)], paused: [] })
      expect(withEvents(edited, [point("ana", 11, 4, 29)]).state.users[0]!.points).toBe(50)
    })
  })
})
