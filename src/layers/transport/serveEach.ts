import { Cause, Effect, FiberSet, type Mailbox } from "effect"
import type { TransportError } from "./Types.js"

/**
 * Handles everything a listener receives, each in a fiber of its own, until interrupted; interrupting it runs
 * `beforeStop` (a drain) while the handlers still run, then interrupts every handler. A handler's failure is
 * logged and contained: one bad peer never takes the listener down.
 */
export const serveEach = <A, E, R>(
  inbox: Mailbox.ReadonlyMailbox<A, TransportError>,
  what: "connection" | "datagram",
  handle: (item: A) => Effect.Effect<void, E, R>,
  beforeStop: Effect.Effect<void> = Effect.void
): Effect.Effect<never, TransportError, R> =>
  Effect.gen(function*() {
    const handlers = yield* FiberSet.make()
    return yield* inbox.take.pipe(
      Effect.flatMap((item) =>
        FiberSet.run(
          handlers,
          Effect.catchAllCause(handle(item), (cause) =>
            Cause.isInterruptedOnly(cause) ? Effect.void : Effect.logWarning(`${what} handler failed`, cause))
        )
      ),
      Effect.forever,
      Effect.onInterrupt(() => beforeStop)
    )
  }).pipe(Effect.scoped, Effect.catchTag("NoSuchElementException", Effect.die))
