import type * as Net from "node:net"
import type { StreamSession } from "./Types.js"

/**
 * Bytes a connection may have queued for a peer that does not read before we stop reading from it: TCP's own
 * flow control then holds the sender back, so a client that sends fast and never reads costs at most this
 * plus one chunk (64 KiB) and that chunk's replies, never an unbounded buffer.
 */
export const WRITE_HIGH_WATER = 64 * 1024

/** The handle a listener keeps on each connection it drives, to drain it at shutdown. */
export interface DrivenSocket {
  /** Shutdown: end now if idle, else after the request under way is answered. */
  readonly drain: () => void
}

/**
 * Drives one connection with a session, entirely inside Node's callbacks: per chunk it parses, answers and
 * writes, synchronously. One socket timer serves the idle timeout and the request timeout (armed to whichever
 * comes first, only while a request is partly received), so a request costs no timer of its own.
 */
export const driveSession = (socket: Net.Socket, session: StreamSession, idleMs: number, requestMs: number): DrivenSocket => {
  let requestStartedAt = 0 // 0: no request under way
  let draining = false
  let ended = false
  let requestDeadlineArmed = false // the socket timer is armed for the request's deadline, not for idleness

  const endWith = (last: string) => {
    if (ended) return
    ended = true
    if (last.length > 0) socket.end(last)
    else socket.end()
  }
  const resumeOnDrain = () => socket.resume()

  socket.setTimeout(idleMs)
  socket.on("data", (chunk: Buffer) => {
    if (ended) return // after our FIN: read and discard until the socket closes
    const out = session.receive(chunk)
    if (session.ended || (draining && !session.midRequest)) return endWith(out)
    if (out.length > 0) socket.write(out)
    if (session.midRequest) {
      const now = Date.now()
      if (requestStartedAt === 0) requestStartedAt = now
      const left = requestStartedAt + requestMs - now
      requestDeadlineArmed = left <= idleMs
      socket.setTimeout(Math.max(1, Math.min(idleMs, left)))
    } else if (requestStartedAt !== 0) {
      requestStartedAt = 0
      requestDeadlineArmed = false
      socket.setTimeout(idleMs)
    }
    if (socket.writableLength > WRITE_HIGH_WATER) {
      socket.pause()
      socket.once("drain", resumeOnDrain)
    }
  })
  socket.on("end", () => {
    if (!ended) endWith(session.finish())
    else if (socket.writableFinished) socket.destroy() // both sides done (else 'finish' will)
  })
  socket.on("timeout", () => {
    // Our FIN is queued behind replies the peer does not read, or it stopped reading: nothing more to wait for.
    if (ended || socket.writableLength > 0) return socket.destroy()
    if (requestDeadlineArmed) {
      // Timers round to the millisecond and may fire a little early: the deadline decides, not the clock's
      // reading, or a slow client would be closed as idle, without its reason.
      const left = requestStartedAt + requestMs - Date.now()
      return left > 0 ? void socket.setTimeout(left) : endWith(session.timedOut())
    }
    endWith("") // idle
  })
  // Our FIN is out (the reply before it is in the kernel's hands): close. Nothing unread is left behind, as
  // every chunk is read as it comes, so the close is a FIN, never an RST.
  socket.on("finish", () => socket.destroy())
  socket.on("error", () => {}) // a reset peer: 'close' follows, and the listener forgets the socket

  return {
    drain: () => {
      draining = true
      if (!session.midRequest) endWith("")
    }
  }
}
