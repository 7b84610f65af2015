import { Either, type ParseResult } from "effect"
import { decodeRequest, type Request } from "./PointsProtocol.js"

/**
 * The request parser of the hot path: the exact bytes clients send nearly always (the commands in the case
 * the seeds write them, with or without `\n` / `\r\n`) are recognised by one table lookup; anything else goes
 * to the schema (`decodeRequest`), which stays the definition. A property test holds the two equal on
 * arbitrary bytes.
 */
const COMMON = new Map<string, Either.Either<Request, ParseResult.ParseError>>()
for (
  const [text, request] of [
    ["REQUEST_LATEST_POINTS", { _tag: "LatestPoints", keepAlive: false }],
    ["REQUEST_LATEST_POINTS KEEP-ALIVE", { _tag: "LatestPoints", keepAlive: true }],
    ["get_data", { _tag: "GetData" }],
    ["quit", { _tag: "Quit" }]
  ] as const
) {
  for (const ending of ["", "\n", "\r\n"]) COMMON.set(text + ending, Either.right(request))
}
const LONGEST_COMMON = Math.max(...[...COMMON.keys()].map((text) => text.length))

const latin1 = (bytes: Uint8Array) =>
  (Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length)).toString("latin1")

export const parseRequest = (bytes: Uint8Array): Either.Either<Request, ParseResult.ParseError> =>
  (bytes.length <= LONGEST_COMMON ? COMMON.get(latin1(bytes)) : undefined) ?? decodeRequest(bytes)
