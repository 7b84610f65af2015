import { type Duration, Effect, Either, Option } from "effect"
import { concatBytes } from "../schema/Bytes.js"
import { flushFrames, type Framed, MAX_REQUEST_BYTES, takeFrames } from "../schema/Framing.js"
import { decodeRequest, type Dialect, encodeRefusal, refusal } from "../schema/PointsProtocol.js"
import type { Connection, Datagram } from "../layers/Transport.js"

/** The answer to a points request in a dialect, from the server's state (`PointsState.reply`). */
export type Reply = (dialect: Dialect) => string

const isWholeRequest = (bytes: Uint8Array) => Either.isRight(decodeRequest(bytes))
const TOO_LONG = `request longer than ${MAX_REQUEST_BYTES} bytes`

/**
 * One TCP connection. Requests are answered in order; a seed 002 request is one-shot (reply, then close)
 * unless it or an earlier one said KEEP-ALIVE; `get_data` makes the connection persistent, as seed 001's
 * clients expect. A bad request gets an error reply and the connection lives on, except an over-long one.
 */
export const handleConnection = (reply: Reply, idleTimeout: Duration.DurationInput) => (connection: Connection) =>
  Effect.gen(function*() {
    let buffer: Uint8Array = new Uint8Array()
    let dialect: Dialect = "REQUEST_LATEST_POINTS"
    let persistent = false
    let awaitingTerminator = false
    while (true) {
      const chunk = yield* Effect.timeoutOption(connection.read, idleTimeout)
      if (Option.isNone(chunk)) {
        yield* Effect.logDebug("closing idle connection")
        return yield* connection.end
      }
      const atEof = Option.isNone(chunk.value)
      const framed: Framed = atEof
        ? { frames: flushFrames(buffer), rest: new Uint8Array(), awaitingTerminator: false }
        : takeFrames(concatBytes([buffer, chunk.value.value]), isWholeRequest, awaitingTerminator)
      buffer = framed.rest
      awaitingTerminator = framed.awaitingTerminator
      for (const frame of framed.frames) {
        if (frame._tag === "TooLong") {
          yield* connection.write(encodeRefusal(dialect, TOO_LONG))
          return yield* connection.end
        }
        const request = decodeRequest(frame.bytes)
        if (Either.isLeft(request)) {
          yield* Effect.logDebug("refused request").pipe(Effect.annotateLogs({ reason: refusal(request.left) }))
          yield* connection.write(encodeRefusal(dialect, refusal(request.left)))
          continue
        }
        switch (request.right._tag) {
          case "Quit":
            return yield* connection.end
          case "GetData":
            dialect = "get_data"
            persistent = true
            yield* connection.write(reply(dialect))
            break
          case "LatestPoints":
            dialect = "REQUEST_LATEST_POINTS"
            yield* connection.write(reply(dialect))
            if (!persistent && !request.right.keepAlive) return yield* connection.end
            persistent = true
        }
      }
      if (atEof) return yield* connection.end
    }
  }).pipe(Effect.annotateLogs("remote", connection.remote))

/** One UDP request: each datagram is a whole request and gets one datagram back. */
export const handleDatagram = (reply: Reply) => (datagram: Datagram) =>
  Effect.gen(function*() {
    if (datagram.data.length > MAX_REQUEST_BYTES) return yield* datagram.reply(encodeRefusal("REQUEST_LATEST_POINTS", TOO_LONG))
    const request = decodeRequest(datagram.data)
    if (Either.isLeft(request)) return yield* datagram.reply(encodeRefusal("REQUEST_LATEST_POINTS", refusal(request.left)))
    switch (request.right._tag) {
      case "Quit":
        return // nothing to close on a connectionless transport
      case "GetData":
        return yield* datagram.reply(reply("get_data"))
      case "LatestPoints":
        return yield* datagram.reply(reply("REQUEST_LATEST_POINTS"))
    }
  }).pipe(Effect.annotateLogs("remote", datagram.remote))

