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
}

const NEWLINE = 0x0a

/**
 * Takes every complete request from `buffer`. A line ends at `\n`; an unterminated remainder counts as a
 * request when `isWholeRequest` recognises it (the bare command), and as `TooLong` past `MAX_REQUEST_BYTES`.
 */
export const takeFrames = (buffer: Uint8Array, isWholeRequest: (bytes: Uint8Array) => boolean): Framed => {
  const frames: Array<Frame> = []
  let start = 0
  for (let newline = buffer.indexOf(NEWLINE); newline !== -1; newline = buffer.indexOf(NEWLINE, start)) {
    if (newline - start > MAX_REQUEST_BYTES) return { frames: [...frames, { _tag: "TooLong" }], rest: new Uint8Array() }
    frames.push({ _tag: "Request", bytes: buffer.subarray(start, newline + 1) })
    start = newline + 1
  }
  const rest = buffer.subarray(start)
  if (rest.length > MAX_REQUEST_BYTES) return { frames: [...frames, { _tag: "TooLong" }], rest: new Uint8Array() }
  if (rest.length > 0 && isWholeRequest(rest)) return { frames: [...frames, { _tag: "Request", bytes: rest }], rest: new Uint8Array() }
  return { frames, rest }
}

/** Joins a new chunk onto what is left over from the previous ones. */
export const append = (rest: Uint8Array, chunk: Uint8Array): Uint8Array => {
  if (rest.length === 0) return chunk
  const joined = new Uint8Array(rest.length + chunk.length)
  joined.set(rest, 0)
  joined.set(chunk, rest.length)
  return joined
}

/** At EOF whatever is left is the last request, terminated or not (`printf REQ | nc -N`). */
export const flushFrames = (rest: Uint8Array): ReadonlyArray<Frame> =>
  rest.length === 0 ? [] : rest.length > MAX_REQUEST_BYTES ? [{ _tag: "TooLong" }] : [{ _tag: "Request", bytes: rest }]
