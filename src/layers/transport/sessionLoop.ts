import { Clock, Duration, Effect, Option } from "effect"
import type { Connection, SessionTimeouts, StreamSession } from "./Types.js"

/**
 * A session driven over a Connection by a fiber: the slow path, for transports without socket callbacks (the
 * in-memory one), where Effect's clock (TestClock in tests) runs the idle and request timeouts. It keeps the
 * same promises as the socket path: idle close, request timeout from a request's first byte, EOF flush.
 */
export const runSession = (connection: Connection, session: StreamSession, timeouts: SessionTimeouts) =>
  Effect.gen(function*() {
    const idleMs = Duration.toMillis(timeouts.idleTimeout)
    const requestMs = Duration.toMillis(timeouts.requestTimeout)
    let requestStartedAt: number | undefined
    while (true) {
      const now = yield* Clock.currentTimeMillis
      const wait = requestStartedAt === undefined ? idleMs : Math.max(0, Math.min(idleMs, requestStartedAt + requestMs - now))
      const chunk = yield* Effect.timeoutOption(connection.read, Duration.millis(wait))
      if (Option.isNone(chunk)) {
        const expired = requestStartedAt !== undefined && (yield* Clock.currentTimeMillis) - requestStartedAt >= requestMs
        if (expired) yield* connection.write(session.timedOut())
        else yield* Effect.logDebug("closing idle connection")
        return yield* connection.end
      }
      if (Option.isNone(chunk.value)) {
        const last = session.finish()
        if (last.length > 0) yield* connection.write(last)
        return yield* connection.end
      }
      const out = session.receive(chunk.value.value)
      if (out.length > 0) yield* connection.write(out)
      if (session.ended) return yield* connection.end
      if (!session.midRequest) requestStartedAt = undefined
      else if (requestStartedAt === undefined) requestStartedAt = yield* Clock.currentTimeMillis
    }
  }).pipe(Effect.annotateLogs("remote", connection.remote))
