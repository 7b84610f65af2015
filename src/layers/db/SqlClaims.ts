import type * as SqlClient from "@effect/sql/SqlClient"
import { SqlError } from "@effect/sql/SqlError"
import { Array as Arr, Effect, Option, type ParseResult } from "effect"
import type { Timestamp } from "../../schema/Timestamp.js"
import { ledgerKey, planClaims } from "./ClaimPlan.js"
import type { Claim, ClaimResult, UserSnapshot } from "./DbShape.js"
import { CLAIM_CHUNK } from "./common.js"

/** What the claim transaction needs of its store. */
export interface ClaimContext {
  readonly sql: SqlClient.SqlClient
  readonly now: Effect.Effect<Timestamp>
  /** Counts statements as they are sent (Db.queries). */
  readonly count: (statements: number) => Effect.Effect<void>
  /** The rows and pause flags of these users, in one statement. */
  readonly snapshots: (users: ReadonlyArray<string>) => Effect.Effect<ReadonlyMap<string, UserSnapshot>, SqlError | ParseResult.ParseError>
  /** Each inserted interval owes its event (docs/EVENTS.md): the ledger is the outbox. */
  readonly outbox: boolean
}

/**
 * Many servers' claims in ONE transaction, exactly once across replicas:
 * 1. lock the users' rows (an UPDATE that changes nothing: InnoDB locks the rows it matches, in key order, so
 *    two batches never deadlock; SQLite takes its write lock at once instead of failing on a stale snapshot);
 * 2. read the rows with their pause flags, and which of the slots the ledger already holds: under the lock,
 *    nobody else can claim these users' slots until this commits;
 * 3. insert the slots that count (planClaims) and add each user's points in one UPDATE.
 * Seven statements for a batch of up to 500 users, where one transaction per user cost five each.
 */
export const claimMany = (context: ClaimContext) => (claims: ReadonlyArray<Claim>): Effect.Effect<ReadonlyArray<ClaimResult>, SqlError | ParseResult.ParseError> => {
  const { count, sql } = context
  const insertIgnore = sql.onDialectOrElse({ sqlite: () => sql.literal("INSERT OR IGNORE"), orElse: () => sql.literal("INSERT IGNORE") })
  return Effect.gen(function*() {
    const at = yield* context.now
    const users = Arr.dedupe(claims.map((claim) => claim.user))
    const slots = claims.flatMap((claim) => claim.slots)
    yield* count(4) // BEGIN, the lock, the rows, the ledger's rows; COMMIT is counted below
    yield* sql`UPDATE scores SET points = points WHERE ${sql.in("user", users)}`
    const rows = yield* context.snapshots(users)
    const existing = slots.length === 0
      ? []
      : yield* sql<{ user: string; slot: number | string }>`SELECT user, slot FROM point_ticks
          WHERE ${sql.in("user", users)} AND slot BETWEEN ${Math.min(...slots)} AND ${Math.max(...slots)}`
    const plan = planClaims(claims, rows, new Set(existing.map((row) => ledgerKey(row.user, Number(row.slot)))), at)
    // Each interval's row also keeps the points just after it: what its event says, however late it is sent.
    const totals = new Map(plan.results.flatMap((result, i) => result.ticks.map((tick) => [ledgerKey(claims[i]!.user, tick.slot), tick.total] as const)))
    const owed = context.outbox ? 1 : 0
    for (const chunk of Arr.chunksOf(plan.inserts, CLAIM_CHUNK)) {
      yield* count(1)
      yield* sql`${insertIgnore} INTO point_ticks ${
        sql.insert(chunk.map(({ points, slot, user }) => ({
          user,
          slot,
          points,
          recorded_at: at,
          total: totals.get(ledgerKey(user, slot)) ?? null,
          event_owed: owed
        })))
      }`
    }
    if (plan.increments.size > 0) {
      const claimed = [...plan.increments]
      yield* count(1)
      yield* sql`UPDATE scores SET points = points + CASE user ${
        sql.join(" ", false)(claimed.map(([user, added]) => sql`WHEN ${user} THEN ${added}`))
      } ELSE 0 END, datetime_stamp = ${at} WHERE ${sql.in("user", claimed.map(([user]) => user))}`
    }
    yield* count(1)
    return plan.results
  }).pipe(
    sql.withTransaction,
    // withTransaction turns a failed COMMIT or ROLLBACK into a defect; a COMMIT whose connection dropped is the
    // ambiguous case (it may have committed), which the ledger makes safe to retry: a failure, not a defect.
    Effect.catchSomeDefect((defect) => (defect instanceof SqlError ? Option.some(Effect.fail(defect)) : Option.none()))
  )
}
