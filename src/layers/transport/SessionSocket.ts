import type * as Net from "node:net"
import { driveSession, type SessionDriver, type SessionLimits } from "./SessionDriver.js"
import type { StreamSession } from "./Types.js"

/**
 * Bytes a connection may have queued for a peer that does not read before we stop reading from it: TCP's own
 * flow control then holds the sender back, so a client that sends fast and never reads costs at most this
 * plus one chunk (64 KiB) and that chunk's replies, never an unbounded buffer.
 */
export const WRITE_HIGH_WATER = 64 * 1024

/**
 * Drives one socket with a session, entirely inside Node's callbacks: per chunk the session parses and
 * answers, synchronously, and the socket's own timer is the driver's one timer. Replies are written as bytes
 * from `encode` (a listener's `lastEncoding`: a repeated reply is not encoded again). What is left here is the
 * socket's: backpressure, and closing once both sides are done.
 */
export const driveSocket = (
  socket: Net.Socket,
  session: StreamSession,
  limits: SessionLimits,
  encode: (text: string) => Uint8Array
): SessionDriver => {
  const resumeOnDrain = () => socket.resume()
  const driver = driveSession(session, limits, {
    write: (text) => {
      socket.write(encode(text))
      if (socket.writableLength > WRITE_HIGH_WATER) {
        socket.pause()
        socket.once("drain", resumeOnDrain)
      }
    },
    end: (last) => (last.length > 0 ? socket.end(encode(last)) : socket.end()),
    arm: (ms) => socket.setTimeout(ms)
  }, Date.now())

  socket.on("data", (chunk: Buffer) => driver.receive(chunk, Date.now()))
  socket.on("end", () => {
    if (!driver.ended()) driver.finish()
    else if (socket.writableFinished) socket.destroy() // both sides done (else 'finish' will)
  })
  socket.on("timeout", () => {
    // Our FIN is queued behind replies the peer does not read, or it stopped reading: nothing more to wait for.
    if (driver.ended() || socket.writableLength > 0) return socket.destroy()
    driver.timeout(Date.now())
  })
  // Our FIN is out (the reply before it is in the kernel's hands): close. Nothing unread is left behind, as
  // every chunk is read as it comes, so the close is a FIN, never an RST.
  socket.on("finish", () => socket.destroy())
  socket.on("error", () => {}) // a reset peer: 'close' follows, and the listener forgets the socket
  return driver
}
