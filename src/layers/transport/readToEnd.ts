import { Effect, Option, Stream } from "effect"
import type { Connection, TransportError } from "./Types.js"

/** What the peer sends, chunk by chunk as it arrives, until it has finished sending (EOF or half-close). */
export const chunks = (connection: Connection): Stream.Stream<Uint8Array, TransportError> =>
  Stream.repeatEffectOption(
    Effect.flatMap(Effect.mapError(connection.read, Option.some), Option.match({
      onNone: () => Effect.fail(Option.none()),
      onSome: Effect.succeed
    }))
  )

/**
 * Everything the peer sends until it has finished, as UTF-8 text. Past `maxBytes` nothing more is read, so a
 * peer that streams without end cannot grow the reply without bound.
 */
export const readToEnd = (connection: Connection, maxBytes = Number.POSITIVE_INFINITY): Effect.Effect<string, TransportError> =>
  chunks(connection).pipe(
    Stream.mapAccum(0, (before, chunk) => [before + chunk.length, { before, chunk }] as const),
    Stream.takeWhile(({ before }) => before < maxBytes),
    Stream.map(({ chunk }) => chunk),
    Stream.decodeText(),
    Stream.mkString
  )
