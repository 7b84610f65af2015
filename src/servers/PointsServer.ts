import { Duration, Effect, Either, Option, type Scope, Stream } from "effect"
import { concatBytes } from "../schema/Bytes.js"
import { flushFrames, type Framed, MAX_REQUEST_BYTES, takeFrames } from "../schema/Framing.js"
import {
  decodeRequest,
  type Dialect,
  encodeError,
  encodeRefusal,
  encodeReply,
  refusal
} from "../schema/PointsProtocol.js"
import type { TransportKind } from "../schema/TransportKind.js"
import { Db, type DbError } from "../layers/Db.js"
import { Ticker } from "../layers/Ticker.js"
import { type Address, type Connection, type Datagram, Transport, type TransportError } from "../layers/Transport.js"

export interface PointsServerOptions {
  readonly user: string
  readonly transport: TransportKind
  readonly host: string
  readonly port: number
  /** A TCP connection that sends nothing for this long is closed. */
  readonly idleTimeout: Duration.DurationInput
}

const isWholeRequest = (bytes: Uint8Array) => Either.isRight(decodeRequest(bytes))
const TOO_LONG = `request longer than ${MAX_REQUEST_BYTES} bytes`

/** The user's row as a reply in `dialect`; a database failure is an error reply, never a dropped client. */
const answer = (user: string, dialect: Dialect) =>
  Effect.flatMap(Db, (db) => db.findUser(user)).pipe(
    Effect.map(Option.match({
      onNone: () => encodeError(dialect, `no points row for ${user}`),
      onSome: (row) => encodeReply(dialect, { user: row.user, points: row.points, lastUpdate: row.datetime_stamp })
    })),
    Effect.catchTag("DbError", (error) =>
      Effect.logWarning("cannot answer: database unavailable").pipe(
        Effect.annotateLogs({ error: error.message }),
        Effect.as(encodeError(dialect, "database unavailable"))
      ))
  )

/**
 * One TCP connection. Requests are answered in order; a seed 002 request is one-shot (reply, then close)
 * unless it or an earlier one said KEEP-ALIVE; `get_data` makes the connection persistent, as seed 001's
 * clients expect. A bad request gets an error reply and the connection lives on, except an over-long one.
 */
export const handleConnection = (user: string, idleTimeout: Duration.DurationInput) => (connection: Connection) =>
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
            yield* connection.write(yield* answer(user, dialect))
            break
          case "LatestPoints":
            dialect = "REQUEST_LATEST_POINTS"
            yield* connection.write(yield* answer(user, dialect))
            if (!persistent && !request.right.keepAlive) return yield* connection.end
            persistent = true
        }
      }
      if (atEof) return yield* connection.end
    }
  }).pipe(Effect.annotateLogs("remote", connection.remote))

/** One UDP request: each datagram is a whole request and gets one datagram back. */
export const handleDatagram = (user: string) => (datagram: Datagram) =>
  Effect.gen(function*() {
    if (datagram.data.length > MAX_REQUEST_BYTES) return yield* datagram.reply(encodeRefusal("REQUEST_LATEST_POINTS", TOO_LONG))
    const request = decodeRequest(datagram.data)
    if (Either.isLeft(request)) return yield* datagram.reply(encodeRefusal("REQUEST_LATEST_POINTS", refusal(request.left)))
    switch (request.right._tag) {
      case "Quit":
        return // nothing to close on a connectionless transport
      case "GetData":
        return yield* datagram.reply(yield* answer(user, "get_data"))
      case "LatestPoints":
        return yield* datagram.reply(yield* answer(user, "REQUEST_LATEST_POINTS"))
    }
  }).pipe(Effect.annotateLogs("remote", datagram.remote))

/**
 * The update fiber: one point per tick. A tick whose write fails (the database is down) is owed, not lost:
 * the next write that succeeds adds every point owed, so after an outage the row holds one point per tick.
 */
export const updatePoints = (user: string) =>
  Effect.gen(function*() {
    const db = yield* Db
    const ticker = yield* Ticker
    yield* Stream.runFoldEffect(ticker.ticks, 0, (owed, tick) =>
      db.addPoints(user, owed + 1).pipe(
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

export interface BoundPointsServer {
  readonly address: Address
  /** The update fiber and the accept fiber, side by side: if either fails, both stop. */
  readonly run: Effect.Effect<never, TransportError, Db | Ticker>
}

/**
 * Makes sure the user has a row, then binds the socket, in that order: nothing listens before the database
 * answers. The socket belongs to the caller's scope.
 */
export const bindPointsServer = (
  options: PointsServerOptions
): Effect.Effect<BoundPointsServer, DbError | TransportError, Db | Transport | Scope.Scope> =>
  Effect.gen(function*() {
    const db = yield* Db
    const transport = yield* Transport
    yield* db.ensureUser(options.user)
    const at = { host: options.host, port: options.port }
    const listener = options.transport === "tcp"
      ? yield* Effect.map(transport.listenStream(at), (tcp) => ({
        address: tcp.address,
        accept: tcp.serve(handleConnection(options.user, options.idleTimeout))
      }))
      : yield* Effect.map(transport.listenDatagram(at), (udp) => ({
        address: udp.address,
        accept: udp.serve(handleDatagram(options.user))
      }))
    yield* Effect.logInfo("points server listening").pipe(Effect.annotateLogs({ host: listener.address.host, port: listener.address.port }))
    return {
      address: listener.address,
      // Both fibers run until interrupted; Effect.all interrupts the survivor when either one fails.
      run: Effect.all([listener.accept, updatePoints(options.user)], { concurrency: "unbounded", discard: true }).pipe(
        Effect.andThen(Effect.never),
        Effect.annotateLogs({ user: options.user, transport: options.transport })
      )
    }
  }).pipe(Effect.annotateLogs({ user: options.user, transport: options.transport }))

/** A points server until interrupted. */
export const servePoints = (options: PointsServerOptions) =>
  Effect.scoped(Effect.flatMap(bindPointsServer(options), (server) => server.run))
