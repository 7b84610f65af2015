import { Option } from "effect"

/** Bytes off the wire and their text, shared by every protocol and transport. */
const encoder = new TextEncoder()

/** Text as UTF-8 bytes; bytes as they are. */
export const toBytes = (data: string | Uint8Array): Uint8Array => (typeof data === "string" ? encoder.encode(data) : data)

/** The parts one after another, in one array (no copy when there is only one part). */
export const concatBytes = (parts: ReadonlyArray<Uint8Array>): Uint8Array => {
  const nonEmpty = parts.filter((part) => part.length > 0)
  if (nonEmpty.length === 1) return nonEmpty[0]!
  const whole = new Uint8Array(nonEmpty.reduce((total, part) => total + part.length, 0))
  let offset = 0
  for (const part of nonEmpty) {
    whole.set(part, offset)
    offset += part.length
  }
  return whole
}

/** The text, if the bytes are valid UTF-8: invalid bytes are refused, never replaced with U+FFFD. */
export const decodeUtf8 = (bytes: Uint8Array): Option.Option<string> => {
  try {
    return Option.some(new TextDecoder("utf-8", { fatal: true }).decode(bytes))
  } catch {
    return Option.none()
  }
}

/** True when two byte arrays hold the same bytes. */
export const sameBytes = (a: Uint8Array, b: Uint8Array): boolean =>
  a.length === b.length && a.every((byte, i) => byte === b[i])
