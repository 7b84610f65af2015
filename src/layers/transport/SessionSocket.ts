import type * as Net from "node:net"
import { driveSession, type SessionDriver, type SessionLimits } from "./SessionDriver.js"
import type { StreamSession } from "./Types.js"

/**
 * Bytes a connection may have queued for a peer that does not read before we stop reading from it: TCP's own
 * flow control then holds the sender back, so a client that sends fast and never reads costs at most this
 * plus one chunk (64 KiB) and that chunk's replies, never an unbounded buffer.
 */
export const WRITE_HIGH_WATER = 64 * 1024

/** A socket driven by a session, with the one timer its listener's sweep checks. */
export interface DrivenSocket extends SessionDriver {
  /** The listener's sweep, at `now` (epoch milliseconds): fires the connection's timer if it is due. */
  readonly sweep: (now: number) => void
}

/**
 * How often a listener sweeps its connections' timers: a quarter of the shorter limit, at most once a second,
 * so a limit is enforced at most that much late (never early: the driver asks the clock).
 */
export const sweepPeriodMs = (limits: SessionLimits): number =>
  Math.min(1_000, Math.max(10, Math.min(limits.idleMs, limits.requestMs) / 4))

/**
 * Drives one socket with a session, entirely inside Node's callbacks: per chunk the session parses and
 * answers, synchronously. Replies are written as bytes from `encode` (a listener's `lastEncoding`: a
 * repeated reply is not encoded again). What is left here is the socket's: backpressure, closing once both
 * sides are done, and the driver's one timer.
 *
 * The timer behaves as Node's socket timer (due `ms` after the later of its arming and the last activity: bytes
 * read or a write queue drained; every reply is written in a read's callback) without being one: Node refreshes
 * a socket's timer on every read and every write, about a microsecond a request, so the listener sweeps all
 * its connections' timers instead.
 */
export const driveSocket = (
  socket: Net.Socket,
  session: StreamSession,
  limits: SessionLimits,
  encode: (text: string) => Uint8Array
): DrivenSocket => {
  let lastActivity = Date.now()
  let armedAt = lastActivity
  let armedMs = Number.POSITIVE_INFINITY
  const resumeOnDrain = () => {
    lastActivity = Date.now()
    socket.resume()
  }
  const driver = driveSession(session, limits, {
    write: (text) => {
      socket.write(encode(text))
      if (socket.writableLength > WRITE_HIGH_WATER) {
        socket.pause()
        socket.once("drain", resumeOnDrain)
      }
    },
    end: (last) => (last.length > 0 ? socket.end(encode(last)) : socket.end()),
    arm: (ms) => {
      armedMs = ms
      armedAt = Date.now()
    }
  }, lastActivity)

  socket.on("data", (chunk: Buffer) => {
    lastActivity = Date.now()
    driver.receive(chunk, lastActivity)
  })
  socket.on("end", () => {
    if (!driver.ended()) driver.finish()
    else if (socket.writableFinished) socket.destroy() // both sides done (else 'finish' will)
  })
  // Our FIN is out (the reply before it is in the kernel's hands): close. Nothing unread is left behind, as
  // every chunk is read as it comes, so the close is a FIN, never an RST.
  socket.on("finish", () => socket.destroy())
  socket.on("error", () => {}) // a reset peer: 'close' follows, and the listener forgets the socket
  return {
    ...driver,
    sweep: (now) => {
      if (now - Math.max(armedAt, lastActivity) < armedMs) return
      armedAt = now // fires again after as long with nothing happening, unless the driver re-arms it
      // Our FIN is queued behind replies the peer does not read, or it stopped reading: nothing more to wait for.
      if (driver.ended() || socket.writableLength > 0) return void socket.destroy()
      driver.timeout(now)
    }
  }
}
