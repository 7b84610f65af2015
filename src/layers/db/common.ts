import { DateTime, type Duration, Effect } from "effect"
import { formatTimestamp, type Timestamp } from "../../schema/Timestamp.js"
import { DbError } from "../DbError.js"

/** Timestamps come from Effect's Clock, so TestClock drives them, in the one configured zone. */
export const currentTimestamp = (zone: DateTime.TimeZone): Effect.Effect<Timestamp> =>
  Effect.map(DateTime.now, (now) => formatTimestamp(now, zone))

/** The `Timestamp` of `ago` before now: timestamps compare as text, so this is a cut-off for `recorded_at`. */
export const timestampAgo = (zone: DateTime.TimeZone, ago: Duration.DurationInput): Effect.Effect<Timestamp> =>
  Effect.map(DateTime.now, (now) => formatTimestamp(DateTime.subtractDuration(now, ago), zone))

export const asQueryError = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.mapError(effect, (cause) => new DbError({ reason: "Query", cause }))

/** Counts the statements a store sends: `counted(n)(effect)` adds n when the effect starts. */
export const makeQueryCounter = () => {
  let sent = 0
  return {
    counted: (statements: number) => <A, E, R>(effect: Effect.Effect<A, E, R>) =>
      Effect.zipRight(Effect.sync(() => {
        sent += statements
      }), effect),
    /** Adds statements from inside a running operation (a transaction whose length depends on its input). */
    add: (statements: number) => Effect.sync(() => {
      sent += statements
    }),
    queries: Effect.sync(() => sent)
  }
}

/** Owed slots are claimed in INSERTs of at most this many rows (SQLite's compound SELECT limit is 500). */
export const CLAIM_CHUNK = 200

/** Users whose snapshots one query reads at most (a bound parameter each; SQLite allows 32,766). */
export const SNAPSHOT_CHUNK = 500

/** MySQL claim transactions run side by side at most (each holds a pooled connection while it runs). */
export const CLAIM_WORKERS = 3
