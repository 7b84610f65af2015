import { Clock, Deferred, Duration, Effect, Option } from "effect"
import { driveSession, type SessionLimits } from "./SessionDriver.js"
import type { Connection, StreamSession } from "./Types.js"

type Action = { readonly _tag: "Write"; readonly bytes: string } | { readonly _tag: "End"; readonly last: string }

/** What the fiber wakes up for: bytes or EOF from the peer, the armed timer, or the listener's drain. */
type Event = { readonly _tag: "Read"; readonly chunk: Option.Option<Uint8Array> } | { readonly _tag: "Timeout" } | { readonly _tag: "Drain" }

/**
 * A session driven over a Connection by a fiber: for transports without socket callbacks (the in-memory one),
 * where Effect's clock (TestClock in tests) runs the timer. The timers and the drain are the same driver the
 * socket path uses (SessionDriver); this loop only turns its requests into effects on the connection.
 */
export const runSession = (connection: Connection, session: StreamSession, limits: SessionLimits, draining: Deferred.Deferred<void>) =>
  Effect.gen(function*() {
    const actions: Array<Action> = []
    let armedMs = limits.idleMs
    const driver = driveSession(session, limits, {
      write: (bytes) => actions.push({ _tag: "Write", bytes }),
      end: (last) => actions.push({ _tag: "End", last }),
      arm: (ms) => {
        armedMs = ms
      }
    }, yield* Clock.currentTimeMillis)
    const perform = Effect.suspend(() =>
      Effect.forEach(actions.splice(0), (action) =>
        action._tag === "Write"
          ? connection.write(action.bytes)
          : Effect.zipRight(action.last.length > 0 ? connection.write(action.last) : Effect.void, connection.end), { discard: true })
    )
    let drainSeen = false
    while (!driver.ended()) {
      const read = connection.read.pipe(
        Effect.map((chunk): Event => ({ _tag: "Read", chunk })),
        Effect.timeoutTo({ duration: Duration.millis(armedMs), onSuccess: (event) => event, onTimeout: (): Event => ({ _tag: "Timeout" }) })
      )
      const event: Event = drainSeen ? yield* read : yield* Effect.raceFirst(read, Effect.as(Deferred.await(draining), { _tag: "Drain" } as const))
      const now = yield* Clock.currentTimeMillis
      if (event._tag === "Drain") {
        drainSeen = true
        driver.drain()
      } else if (event._tag === "Timeout") driver.timeout(now)
      else if (Option.isNone(event.chunk)) driver.finish()
      else driver.receive(event.chunk.value, now)
      yield* perform
    }
  }).pipe(Effect.annotateLogs("remote", connection.remote))
