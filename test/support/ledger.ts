import { expect } from "vitest"
import { eventually, type TestBackend } from "../programs/harness.js"

/**
 * A user's ledger (`point_ticks`) and row, and the exactly-once assertion the replica tests make on them:
 * however many replicas ran, every interval was claimed once and added one POINTS_PER_TICK.
 */
export interface Ledger {
  /** The slots claimed, in order. */
  readonly slots: ReadonlyArray<number>
  readonly points: number
}

export const readLedger = async (db: TestBackend, user: string): Promise<Ledger> => {
  const rows = await db.query<{ slot: number | string }>("SELECT slot FROM point_ticks WHERE user = ? ORDER BY slot", [user])
  return { slots: rows.map((r) => Number(r.slot)), points: (await db.readRow(user))?.points ?? -1 }
}

const claimedCount = async (db: TestBackend, user: string) =>
  Number((await db.query<{ n: number | string }>("SELECT COUNT(*) AS n FROM point_ticks WHERE user = ?", [user]))[0]?.n ?? 0)

/** Waits until `more` slots beyond the current count are in the ledger. */
export const waitForSlots = async (db: TestBackend, user: string, more: number) => {
  const target = (await claimedCount(db, user)) + more
  await eventually(`${target} slots claimed`, async () => ((await claimedCount(db, user)) >= target ? true : undefined), 60_000)
}

/**
 * Contiguous slots, one row each, points = slots × pointsPerTick, and every interval between "all replicas
 * listening" and "stop sent" claimed (a slot is `floor(epoch ms / intervalMs)`).
 */
export const expectExactlyOnce = (
  ledger: Ledger,
  window: { readonly allUp: number; readonly stopSent: number },
  options: { readonly intervalMs: number; readonly pointsPerTick?: number }
) => {
  const slotAt = (epochMillis: number) => Math.floor(epochMillis / options.intervalMs)
  const first = ledger.slots[0]!
  expect(ledger.slots).toEqual(ledger.slots.map((_, i) => first + i))
  expect(ledger.points).toBe(ledger.slots.length * (options.pointsPerTick ?? 1))
  expect(first).toBeLessThanOrEqual(slotAt(window.allUp) + 1)
  expect(ledger.slots.at(-1)!).toBeGreaterThanOrEqual(slotAt(window.stopSent) - 1)
}
