import { Array as Arr, Option } from "effect"
import { ScoreRow } from "../../schema/ScoreRow.js"
import type { Timestamp } from "../../schema/Timestamp.js"
import type { Claim, ClaimedTick, ClaimResult, UserSnapshot } from "./DbShape.js"

/** A ledger row `(user, slot)` as one key, for the set of slots already claimed. */
export const ledgerKey = (user: string, slot: number) => `${user}\u0000${slot}`

/** What one transaction of claims writes: the ledger rows, each user's increment, and each claim's answer. */
export interface ClaimPlan {
  readonly inserts: ReadonlyArray<{ readonly user: string; readonly slot: number; readonly points: number; readonly total: number }>
  /** Points to add to each user's row (users with nothing claimed are left out). */
  readonly increments: ReadonlyMap<string, number>
  /** One per claim, in the claims' order. */
  readonly results: ReadonlyArray<ClaimResult>
}

const bySlot = (a: number, b: number) => (a < b ? -1 : a > b ? 1 : 0)

/**
 * Which of `claims` count, given the rows and pause flags read under the rows' locks and the ledger rows that
 * already exist for those slots: a slot counts once, whoever claims it, and never for a paused user or one
 * without a row. The claimed slots add their points in slot order, so each knows the user's total after it.
 * Pure: the stores read, then write what this says (SqlClaims in one transaction, the memory store at once).
 */
export const planClaims = (
  claims: ReadonlyArray<Claim>,
  rows: ReadonlyMap<string, UserSnapshot>,
  existing: ReadonlySet<string>,
  at: Timestamp
): ClaimPlan => {
  const taken = new Set(existing)
  const current = new Map([...rows].map(([user, snapshot]) => [user, snapshot.row]))
  const inserts: Array<ClaimPlan["inserts"][number]> = []
  const increments = new Map<string, number>()
  const results = claims.map((claim): ClaimResult => {
    const row = current.get(claim.user)
    const paused = rows.get(claim.user)?.paused ?? false
    if (row === undefined || paused) return { claimed: 0, ticks: [], snapshot: Option.map(Option.fromNullable(row), (r) => ({ row: r, paused })) }
    let total = row.points
    const ticks: Array<ClaimedTick> = []
    for (const slot of Arr.sort(Arr.dedupe(claim.slots), bySlot)) {
      const key = ledgerKey(claim.user, slot)
      if (taken.has(key)) continue
      taken.add(key)
      total += claim.pointsPerTick
      ticks.push({ slot, total })
      inserts.push({ user: claim.user, slot, points: claim.pointsPerTick, total })
    }
    if (ticks.length === 0) return { claimed: 0, ticks, snapshot: Option.some({ row, paused }) }
    const after = new ScoreRow({ user: claim.user, points: total, datetime_stamp: at })
    current.set(claim.user, after)
    increments.set(claim.user, (increments.get(claim.user) ?? 0) + total - row.points)
    return { claimed: ticks.length, ticks, snapshot: Option.some({ row: after, paused }) }
  })
  return { inserts, increments, results }
}
