import { Array as Arr, type DateTime, Effect, Option, Ref } from "effect"
import { PointEvent } from "../../schema/PointEvent.js"
import { PointTick } from "../../schema/PointTick.js"
import { byUser, ScoreRow } from "../../schema/ScoreRow.js"
import { type Timestamp, UTC } from "../../schema/Timestamp.js"
import type { DbShape, UserSnapshot } from "./DbShape.js"
import { ledgerKey, planClaims } from "./ClaimPlan.js"
import { currentTimestamp, makeQueryCounter, timestampAgo } from "./common.js"

interface Tables {
  readonly scores: ReadonlyMap<string, ScoreRow>
  /** `point_ticks`, keyed by `user` then slot. */
  readonly ticks: ReadonlyMap<string, ReadonlyMap<number, PointTick>>
  /** `user_control`: the users whose updates are paused. */
  readonly paused: ReadonlySet<string>
  /** The events the ledger still owes (`event_owed`), keyed by `ledgerKey`. */
  readonly owed: ReadonlyMap<string, PointEvent>
}

/**
 * A process-local store for layer-swapped tests, with the SQL store's semantics (the contract tests run both).
 * Every operation is one atomic `Ref.modify`, as a transaction would be; each counts as one query.
 */
export const makeMemory = (zone: DateTime.TimeZone = UTC, outbox = false) =>
  Effect.gen(function*() {
    const tables = yield* Ref.make<Tables>({ scores: new Map(), ticks: new Map(), paused: new Set(), owed: new Map() })
    const { counted, queries } = makeQueryCounter()
    const now = currentTimestamp(zone)
    const read = <A>(f: (tables: Tables) => A) => counted(1)(Effect.map(Ref.get(tables), f))
    const write = <A>(f: (tables: Tables, at: Timestamp) => readonly [A, Tables]) =>
      counted(1)(Effect.flatMap(now, (at) => Ref.modify(tables, (current) => f(current, at))))
    const withScore = (t: Tables, row: ScoreRow): Tables => ({ ...t, scores: new Map(t.scores).set(row.user, row) })
    const snapshotOf = (t: Tables, user: string): Option.Option<UserSnapshot> =>
      Option.map(Option.fromNullable(t.scores.get(user)), (row) => ({ row, paused: t.paused.has(user) }))

    return {
      ensureUser: (user) =>
        write((t, at) => [undefined, t.scores.has(user) ? t : withScore(t, new ScoreRow({ user, points: 0, datetime_stamp: at }))]),
      addPoints: (user, count) =>
        write((t, at) => {
          const row = t.scores.get(user)
          return [undefined, row ? withScore(t, new ScoreRow({ user, points: row.points + count, datetime_stamp: at })) : t]
        }),
      findUser: (user) => read((t) => Option.fromNullable(t.scores.get(user))),
      listUsers: read((t) => Arr.sort([...t.scores.values()], byUser)),
      findSnapshot: (user) => read((t) => snapshotOf(t, user)),
      findSnapshots: (users) =>
        read((t) => new Map(users.flatMap((user) => Option.match(snapshotOf(t, user), { onNone: () => [], onSome: (s) => [[user, s] as const] })))),
      listSnapshots: read((t) => Arr.sort([...t.scores.values()], byUser).map((row) => ({ row, paused: t.paused.has(row.user) }))),
      claimSlots: (claim) =>
        write((t, at) => {
          const mine = t.ticks.get(claim.user) ?? new Map<number, PointTick>()
          const snapshot = snapshotOf(t, claim.user)
          const plan = planClaims(
            [claim],
            new Map(Option.match(snapshot, { onNone: () => [], onSome: (s) => [[claim.user, s] as const] })),
            new Set([...mine.keys()].map((slot) => ledgerKey(claim.user, slot))),
            at
          )
          const result = plan.results[0]!
          if (result.claimed === 0) return [result, t]
          const ticks = new Map(mine)
          for (const row of plan.inserts) ticks.set(row.slot, new PointTick({ user: row.user, slot: row.slot, points: row.points, recorded_at: at }))
          const owed = new Map(t.owed)
          if (outbox) {
            for (const tick of result.ticks) {
              owed.set(ledgerKey(claim.user, tick.slot), new PointEvent({ user: claim.user, slot: tick.slot, points: claim.pointsPerTick, total: tick.total, recorded_at: at }))
            }
          }
          const next = withScore({ ...t, ticks: new Map(t.ticks).set(claim.user, ticks), owed }, Option.getOrThrow(result.snapshot).row)
          return [result, next]
        }),
      owedEvents: (users, limit) =>
        read((t) => {
          const wanted = new Set(users)
          return [...t.owed.values()]
            .filter((event) => wanted.has(event.user))
            .sort((a, b) => (a.user === b.user ? a.slot - b.slot : a.user < b.user ? -1 : 1))
            .slice(0, limit)
        }),
      eventsSent: (events) =>
        write((t) => {
          const owed = new Map(t.owed)
          for (const event of events) owed.delete(ledgerKey(event.user, event.slot))
          return [undefined, { ...t, owed }]
        }),
      listHistory: ({ limit, user }) =>
        read((t) => {
          const rows = user === undefined ? [...t.ticks.values()].flatMap((m) => [...m.values()]) : [...(t.ticks.get(user)?.values() ?? [])]
          // Newest first: recorded_at, then slot, descending; then user, as the SQL store orders them.
          rows.sort((a, b) =>
            a.recorded_at === b.recorded_at ? (a.slot === b.slot ? (a.user < b.user ? -1 : 1) : b.slot - a.slot) : a.recorded_at < b.recorded_at ? 1 : -1
          )
          return rows.slice(0, Math.max(0, Math.floor(limit)))
        }),
      pruneHistory: ({ limit, olderThan }) =>
        Effect.flatMap(timestampAgo(zone, olderThan), (before) => write((t) => {
          const old = [...t.ticks.values()].flatMap((m) => [...m.values()]).filter((tick) => tick.recorded_at < before)
            .sort((a, b) => (a.recorded_at < b.recorded_at ? -1 : a.recorded_at > b.recorded_at ? 1 : 0))
            .slice(0, Math.max(0, Math.floor(limit)))
          if (old.length === 0) return [0, t]
          const ticks = new Map([...t.ticks].map(([user, m]) => [user, new Map(m)]))
          for (const tick of old) ticks.get(tick.user)!.delete(tick.slot)
          return [old.length, { ...t, ticks }]
        })),
      isPaused: (user) => read((t) => t.paused.has(user)),
      setPaused: (user, paused) =>
        write((t) => {
          const next = new Set(t.paused)
          if (paused) next.add(user)
          else next.delete(user)
          return [undefined, { ...t, paused: next }]
        }),
      listPaused: read((t): ReadonlySet<string> => new Set(t.paused)),
      resetPoints: (user) =>
        write((t, at) => [undefined, t.scores.has(user) ? withScore(t, new ScoreRow({ user, points: 0, datetime_stamp: at })) : t]),
      now,
      queries
    } satisfies DbShape
  })
