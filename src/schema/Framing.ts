/**
 * Cuts a TCP byte stream into requests. TCP has no message boundaries, and the seeds' clients frame three ways:
 * a line ending in `\n` (seed 002 Python, `nc`), the bare command with no terminator while the connection stays
 * open (seed 002 C, seed 001), and the bare command followed by a half-close. Pure, so TCP and the in-memory
 * transport share it.
 */
export const MAX_REQUEST_BYTES = 1024

export type Frame =
  | { readonly _tag: "Request"; readonly bytes: Uint8Array }
  | { readonly _tag: "TooLong" }

export interface Framed {
  readonly frames: ReadonlyArray<Frame>
  readonly rest: Uint8Array
  /** The last frame was a bare command: its terminator may still be on the way, and is not a request. */
  readonly awaitingTerminator: boolean
}

const NEWLINE = 0x0a
const RETURN = 0x0d

/** Where the data starts once the late `\n` or `\r\n` of a bare command already answered is dropped. */
const skipLateTerminator = (buffer: Uint8Array): number | "wait" =>
  buffer[0] === NEWLINE ? 1 : buffer[0] === RETURN ? (buffer.length === 1 ? "wait" : buffer[1] === NEWLINE ? 2 : 1) : 0

/**
 * Takes every complete request from `buffer`. A line ends at `\n`; an unterminated remainder counts as a
 * request when `isWholeRequest` recognises it (the bare command), and as `TooLong` past `MAX_REQUEST_BYTES`.
 * Pass back `awaitingTerminator` from the previous call, so a bare command whose `\n` comes in a later
 * packet is answered once, not once more as an empty line.
 */
export const takeFrames = (
  buffer: Uint8Array,
  isWholeRequest: (bytes: Uint8Array) => boolean,
  awaitingTerminator = false
): Framed => {
  const frames: Array<Frame> = []
  const skip = awaitingTerminator ? skipLateTerminator(buffer) : 0
  if (skip === "wait") return { frames, rest: buffer, awaitingTerminator }
  let start = skip
  for (let newline = buffer.indexOf(NEWLINE, start); newline !== -1; newline = buffer.indexOf(NEWLINE, start)) {
    if (newline - start > MAX_REQUEST_BYTES) return { frames: [...frames, { _tag: "TooLong" }], rest: new Uint8Array(), awaitingTerminator: false }
    frames.push({ _tag: "Request", bytes: buffer.subarray(start, newline + 1) })
    start = newline + 1
  }
  const rest = buffer.subarray(start)
  if (rest.length > MAX_REQUEST_BYTES) return { frames: [...frames, { _tag: "TooLong" }], rest: new Uint8Array(), awaitingTerminator: false }
  if (rest.length > 0 && isWholeRequest(rest)) {
    return { frames: [...frames, { _tag: "Request", bytes: rest }], rest: new Uint8Array(), awaitingTerminator: true }
  }
  return { frames, rest, awaitingTerminator: false }
}

/** `bytes` is exactly one line of an allowed length: with nothing pending, `takeFrames` would cut it as one whole frame. */
export const isOneLine = (bytes: Uint8Array): boolean =>
  bytes.length > 0 && bytes.length <= MAX_REQUEST_BYTES + 1 && bytes.indexOf(NEWLINE) === bytes.length - 1

/** At EOF whatever is left is the last request, terminated or not (`printf REQ | nc -N`). */
export const flushFrames = (rest: Uint8Array): ReadonlyArray<Frame> =>
  rest.length === 0 ? [] : rest.length > MAX_REQUEST_BYTES ? [{ _tag: "TooLong" }] : [{ _tag: "Request", bytes: rest }]
