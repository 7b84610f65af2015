import { Either } from "effect"
import { concatBytes } from "../schema/Bytes.js"
import { flushFrames, type Frame, isOneLine, MAX_REQUEST_BYTES, takeFrames } from "../schema/Framing.js"
import { type Dialect, encodeRefusal, refusal } from "../schema/PointsProtocol.js"
import { parseRequest } from "../schema/PointsRequestBytes.js"
import type { StreamSession } from "../layers/Transport.js"
import type { Outcome } from "../layers/metrics/SocketRequestMetrics.js"

/** The answer to a points request in a dialect, from the server's state (`PointsState.reply`). */
export type Reply = (dialect: Dialect) => string

/** Counts one answered request (synchronously, in the hot path); `since` is `performance.now()` at its arrival. */
export type Record = (outcome: Outcome, since: number) => void

const isWholeRequest = (bytes: Uint8Array) => Either.isRight(parseRequest(bytes))
const TOO_LONG = `request longer than ${MAX_REQUEST_BYTES} bytes`
const TIMED_OUT = "request not complete in time"
const EMPTY = new Uint8Array()
/** A reply that says the server could not answer (no row): counted as an error, not ok. */
const outcomeOf = (text: string): Outcome => (text.startsWith("ERROR") ? "error" : "ok")

/**
 * One TCP connection's protocol, as a synchronous state machine the transport feeds (`StreamSession`).
 * Requests are answered in order; a seed 002 request is one-shot (reply, then close) unless it or an earlier
 * one said KEEP-ALIVE; `get_data` makes the connection persistent, as seed 001's clients expect. A bad request
 * gets an error reply and the connection lives on, except an over-long one.
 */
class PointsSession implements StreamSession {
  ended = false
  private buffer: Uint8Array = EMPTY
  private dialect: Dialect = "REQUEST_LATEST_POINTS"
  private persistent = false
  private awaitingTerminator = false

  constructor(private readonly reply: Reply, private readonly record: Record) {}

  get midRequest() {
    return this.buffer.length > 0
  }

  receive(chunk: Uint8Array): string {
    if (this.ended) return ""
    const since = performance.now()
    // Nearly every chunk is one whole line with nothing before it: it is its own frame, so no framing is needed.
    if (this.buffer.length === 0 && !this.awaitingTerminator && isOneLine(chunk)) return this.answerRequest(chunk, since)
    const framed = takeFrames(this.buffer.length === 0 ? chunk : concatBytes([this.buffer, chunk]), isWholeRequest, this.awaitingTerminator)
    // A partial request is copied (at most 1 KiB), so the connection never pins a whole chunk in memory.
    this.buffer = framed.rest.length === 0 ? EMPTY : Uint8Array.from(framed.rest)
    this.awaitingTerminator = framed.awaitingTerminator
    return this.answer(framed.frames, since)
  }

  finish(): string {
    if (this.ended) return ""
    const frames = flushFrames(this.buffer)
    this.buffer = EMPTY
    const out = this.answer(frames, performance.now())
    this.ended = true
    return out
  }

  timedOut(): string {
    this.ended = true
    this.buffer = EMPTY
    this.record("refused", performance.now())
    return encodeRefusal(this.dialect, TIMED_OUT)
  }

  private answer(frames: ReadonlyArray<Frame>, since: number): string {
    let out = ""
    for (const frame of frames) {
      if (frame._tag === "TooLong") {
        this.record("refused", since)
        this.ended = true
        return out + encodeRefusal(this.dialect, TOO_LONG)
      }
      out += this.answerRequest(frame.bytes, since)
      if (this.ended) return out
    }
    return out
  }

  /** The reply to one whole request; a request after which the connection closes sets `ended`. */
  private answerRequest(bytes: Uint8Array, since: number): string {
    const request = parseRequest(bytes)
    if (Either.isLeft(request)) {
      this.record("refused", since)
      return encodeRefusal(this.dialect, refusal(request.left))
    }
    switch (request.right._tag) {
      case "Quit":
        this.ended = true
        return ""
      case "GetData": {
        this.dialect = "get_data"
        this.persistent = true
        const text = this.reply("get_data")
        this.record(outcomeOf(text), since)
        return text
      }
      case "LatestPoints": {
        this.dialect = "REQUEST_LATEST_POINTS"
        const text = this.reply("REQUEST_LATEST_POINTS")
        this.record(outcomeOf(text), since)
        if (this.persistent || request.right.keepAlive) this.persistent = true
        else this.ended = true
        return text
      }
    }
  }
}

/** A fresh session for each TCP connection. */
export const pointsSession = (reply: Reply, record: Record) => (): StreamSession => new PointsSession(reply, record)

/** One UDP request: each datagram is a whole request and gets one datagram back (`quit` gets none). */
export const answerDatagram = (reply: Reply, record: Record) => (data: Uint8Array): string | undefined => {
  const since = performance.now()
  if (data.length > MAX_REQUEST_BYTES) {
    record("refused", since)
    return encodeRefusal("REQUEST_LATEST_POINTS", TOO_LONG)
  }
  const request = parseRequest(data)
  if (Either.isLeft(request)) {
    record("refused", since)
    return encodeRefusal("REQUEST_LATEST_POINTS", refusal(request.left))
  }
  if (request.right._tag === "Quit") return undefined // nothing to close on a connectionless transport
  const text = reply(request.right._tag === "GetData" ? "get_data" : "REQUEST_LATEST_POINTS")
  record(outcomeOf(text), since)
  return text
}
