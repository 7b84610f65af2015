import { Option } from "effect"
import { describe, expect, it } from "vitest"
import { ledgerKey, planClaims } from "../../src/layers/db/ClaimPlan.js"
import { ScoreRow } from "../../src/schema/ScoreRow.js"
import type { Timestamp } from "../../src/schema/Timestamp.js"

/** The pure plan of one claims transaction: which slots count, in what order, and the totals they make. */
const BEFORE = "2026-12-04 00:00:00" as Timestamp
const NOW = "2026-12-04 00:00:30" as Timestamp
const snapshot = (user: string, points: number, paused = false) => [user, { row: new ScoreRow({ user, points, datetime_stamp: BEFORE }), paused }] as const
const rows = (...entries: ReadonlyArray<ReturnType<typeof snapshot>>) => new Map(entries)

describe("planClaims", () => {
  it("claims each new slot once, in slot order, whatever order and repeats it was asked in, with the total after each", () => {
    const plan = planClaims([{ user: "ana", slots: [12, 10, 11, 10], pointsPerTick: 5 }], rows(snapshot("ana", 100)), new Set(), NOW)
    expect(plan.inserts).toEqual([
      { user: "ana", slot: 10, points: 5, total: 105 },
      { user: "ana", slot: 11, points: 5, total: 110 },
      { user: "ana", slot: 12, points: 5, total: 115 }
    ])
    expect(plan.increments).toEqual(new Map([["ana", 15]]))
    expect(plan.results[0]!.claimed).toBe(3)
    expect(plan.results[0]!.ticks).toEqual([{ slot: 10, total: 105 }, { slot: 11, total: 110 }, { slot: 12, total: 115 }])
    expect(plan.results[0]!.snapshot).toStrictEqual(Option.some({ row: new ScoreRow({ user: "ana", points: 115, datetime_stamp: NOW }), paused: false }))
  })

  it("sorts slots as numbers, not as text", () => {
    const plan = planClaims([{ user: "ana", slots: [100, 9], pointsPerTick: 1 }], rows(snapshot("ana", 0)), new Set(), NOW)
    expect(plan.inserts.map((i) => i.slot)).toEqual([9, 100])
  })

  it("skips slots the ledger holds already; with none left, nothing is claimed and the row is unchanged", () => {
    const plan = planClaims([{ user: "ana", slots: [10, 11], pointsPerTick: 1 }], rows(snapshot("ana", 7)), new Set([ledgerKey("ana", 10)]), NOW)
    expect(plan.inserts).toEqual([{ user: "ana", slot: 11, points: 1, total: 8 }])
    const none = planClaims([{ user: "ana", slots: [10], pointsPerTick: 1 }], rows(snapshot("ana", 7)), new Set([ledgerKey("ana", 10)]), NOW)
    expect(none.inserts).toEqual([])
    expect(none.increments.size).toBe(0)
    expect(none.results[0]).toStrictEqual({ claimed: 0, ticks: [], snapshot: Option.some({ row: new ScoreRow({ user: "ana", points: 7, datetime_stamp: BEFORE }), paused: false }) })
  })

  it("claims nothing for a paused user or one without a row, and says which", () => {
    const plan = planClaims(
      [{ user: "bo", slots: [1], pointsPerTick: 1 }, { user: "cy", slots: [1], pointsPerTick: 1 }],
      rows(snapshot("bo", 3, true)),
      new Set(),
      NOW
    )
    expect(plan.inserts).toEqual([])
    expect(plan.results[0]).toStrictEqual({ claimed: 0, ticks: [], snapshot: Option.some({ row: new ScoreRow({ user: "bo", points: 3, datetime_stamp: BEFORE }), paused: true }) })
    expect(plan.results[1]).toStrictEqual({ claimed: 0, ticks: [], snapshot: Option.none() })
  })

  it("two claims of one user in one transaction: a slot counts once, the second builds on the first's total", () => {
    const plan = planClaims(
      [{ user: "ana", slots: [1, 2], pointsPerTick: 1 }, { user: "ana", slots: [2, 3], pointsPerTick: 1 }, { user: "bo", slots: [2], pointsPerTick: 10 }],
      rows(snapshot("ana", 0), snapshot("bo", 0)),
      new Set(),
      NOW
    )
    expect(plan.inserts).toEqual([
      { user: "ana", slot: 1, points: 1, total: 1 },
      { user: "ana", slot: 2, points: 1, total: 2 },
      { user: "ana", slot: 3, points: 1, total: 3 },
      { user: "bo", slot: 2, points: 10, total: 10 }
    ])
    expect(plan.results.map((r) => r.claimed)).toEqual([2, 1, 1])
    expect(plan.increments).toEqual(new Map([["ana", 3], ["bo", 10]]))
  })

  it("keys the ledger by user and slot without collisions between names and numbers", () => {
    expect(ledgerKey("a1", 2)).not.toBe(ledgerKey("a", 12))
  })
})
