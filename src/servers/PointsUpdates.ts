import { Effect, Option, Stream } from "effect"
import { Db, type DbError } from "../layers/Db.js"
import { Ticker } from "../layers/Ticker.js"
import type { PointsState } from "./PointsState.js"

/**
 * The update fiber: one point per tick. A tick whose write fails (the database is down) is owed, not lost:
 * the next write that succeeds adds every point owed, so after an outage the row holds one point per tick.
 */
export const updatePoints = (state: PointsState) =>
  Effect.gen(function*() {
    const db = yield* Db
    const ticker = yield* Ticker
    yield* Stream.runFoldEffect(ticker.ticks, 0, (owed, tick) =>
      db.addPoints(state.user, owed + 1).pipe(
        Effect.zipRight(db.findUser(state.user)),
        Effect.tap(Option.match({ onNone: () => Effect.void, onSome: state.setRow })),
        Effect.tap(() =>
          owed === 0
            ? Effect.logInfo("point added").pipe(Effect.annotateLogs({ tick }))
            : Effect.logInfo("points added, outage caught up").pipe(Effect.annotateLogs({ tick, points: owed + 1 }))
        ),
        Effect.as(0),
        Effect.catchTag("DbError", (error: DbError) =>
          Effect.logWarning("point not added yet: the next tick will add it").pipe(
            Effect.annotateLogs({ tick, owed: owed + 1, error: error.message }),
            Effect.as(owed + 1)
          ))
      ))
  })

