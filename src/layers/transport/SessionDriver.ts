import type { StreamSession } from "./Types.js"

/**
 * What a session driver asks of the connection under it. The node transport answers with the socket itself
 * (inside its callbacks), the in-memory one with actions its connection fiber then performs.
 */
export interface SessionPort {
  readonly write: (bytes: string) => void
  /** Our side is done: `last` (maybe "") is sent, then FIN. Called at most once. */
  readonly end: (last: string) => void
  /** (Re)arms the connection's one timer to call `timeout` after `ms`. */
  readonly arm: (ms: number) => void
}

export interface SessionLimits {
  /** A connection that sends nothing for this long is closed. */
  readonly idleMs: number
  /** A request must be complete this long after its first byte. */
  readonly requestMs: number
}

/** A session with its timers and drain: the transport feeds it what happens on the connection. */
export interface SessionDriver {
  /** Bytes arrived at `now` (epoch milliseconds). */
  readonly receive: (chunk: Uint8Array, now: number) => void
  /** The peer finished sending (EOF or half-close): the last replies, then our FIN. */
  readonly finish: () => void
  /** The armed timer fired at `now`. */
  readonly timeout: (now: number) => void
  /** Shutdown: end now if idle, else right after the request under way is answered. */
  readonly drain: () => void
  /** Our side has ended (or is ending): nothing more will be written. */
  readonly ended: () => boolean
}

/**
 * The one implementation of the session contract's timers and drain, for every transport. One timer serves
 * both limits: it is armed for whichever comes first, the idle timeout (from the last byte received) or the
 * request's deadline (from its first byte, only while a request is partly received). When it fires, the
 * clock decides, not which limit it was armed for: a timer that fires a little early is simply re-armed for
 * what is left, so a slow client is never closed as idle without its reason, nor early.
 */
export const driveSession = (session: StreamSession, limits: SessionLimits, port: SessionPort, startedAt: number): SessionDriver => {
  let lastReceivedAt = startedAt
  let requestStartedAt: number | undefined
  let draining = false
  let ended = false
  // Armed for the idle limit from the last chunk: a port's timer restarts on every read (the node transport's
  // sweep counts from the last read), so a request that leaves nothing pending needs no new arming.
  let armedForIdle = true

  const endWith = (last: string) => {
    if (ended) return
    ended = true
    port.end(last)
  }
  /** Time left before the nearer limit, from `now`. */
  const untilNextLimit = (now: number) => {
    const idleLeft = lastReceivedAt + limits.idleMs - now
    return requestStartedAt === undefined ? idleLeft : Math.min(idleLeft, requestStartedAt + limits.requestMs - now)
  }

  port.arm(limits.idleMs)
  return {
    receive: (chunk, now) => {
      if (ended) return // after our FIN: read and discard until the connection closes
      lastReceivedAt = now
      const out = session.receive(chunk)
      if (session.ended || (draining && !session.midRequest)) return endWith(out)
      if (out.length > 0) port.write(out)
      if (session.midRequest) requestStartedAt ??= now
      else requestStartedAt = undefined
      if (requestStartedAt === undefined && armedForIdle) return
      port.arm(Math.max(1, untilNextLimit(now)))
      armedForIdle = requestStartedAt === undefined
    },
    finish: () => endWith(session.finish()),
    timeout: (now) => {
      if (ended) return
      if (requestStartedAt !== undefined && now - requestStartedAt >= limits.requestMs) return endWith(session.timedOut())
      if (now - lastReceivedAt >= limits.idleMs) return endWith("")
      port.arm(Math.max(1, untilNextLimit(now)))
      armedForIdle = false
    },
    drain: () => {
      draining = true
      if (!session.midRequest) endWith("")
    },
    ended: () => ended
  }
}
