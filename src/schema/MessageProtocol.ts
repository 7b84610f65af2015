import { type DateTime, Either } from "effect"
import { decodeUtf8 } from "./Bytes.js"
import { formatTimestamp } from "./Timestamp.js"

/**
 * Seed 004's message protocol, over TCP, one exchange per connection:
 * the client sends a message (no terminator needed), the server answers
 * `Server received at YYYY-MM-DD HH:MM:SS: <message>` with no terminator and closes; the close ends the reply.
 * The message is what the server's first read returns, as with the seed's single `recv(1024)`.
 */
export const MAX_MESSAGE_BYTES = 1024

/** Why a message gets an `ERROR …` reply instead of a receipt. */
export type MessageRefusal =
  | { readonly _tag: "TooLong"; readonly bytes: number }
  | { readonly _tag: "NotUtf8" }

/** The first chunk as the message text: at most `MAX_MESSAGE_BYTES`, valid UTF-8, verbatim (a newline stays). */
export const decodeMessage = (bytes: Uint8Array): Either.Either<string, MessageRefusal> => {
  if (bytes.length > MAX_MESSAGE_BYTES) return Either.left({ _tag: "TooLong", bytes: bytes.length })
  return Either.fromOption(decodeUtf8(bytes), (): MessageRefusal => ({ _tag: "NotUtf8" }))
}

/** The reply to a good message, stamped on the wall clock of `zone`. */
export const receipt = (message: string, instant: DateTime.DateTime, zone: DateTime.TimeZone): string =>
  `Server received at ${formatTimestamp(instant, zone)}: ${message}`

/** The reply to a refused message: one line, no terminator, like a receipt; the connection closes after it. */
export const refusalReply = (refusal: MessageRefusal): string =>
  refusal._tag === "TooLong"
    ? `ERROR message longer than ${MAX_MESSAGE_BYTES} bytes (got ${refusal.bytes})`
    : "ERROR message is not valid UTF-8"

