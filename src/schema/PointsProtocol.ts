import { Option, ParseResult, Schema } from "effect"
import { decodeUtf8, toBytes } from "./Bytes.js"
import { describeParseError } from "./ParseIssues.js"
import { UserName } from "./ScoreRow.js"
import { Timestamp } from "./Timestamp.js"

/**
 * The points protocol, both dialects the seeds speak (docs/PROTOCOL.md):
 * - seed 002: `REQUEST_LATEST_POINTS` → `User: u, Points: n, Last Update: ts\n`, then the server closes;
 *   `REQUEST_LATEST_POINTS KEEP-ALIVE` opts the connection into one reply per request line.
 * - seed 001: `get_data` → `User: u | Points: n | Last Update: ts` (no terminator), connection kept; `quit` ends it.
 */
export const Request = Schema.Union(
  Schema.TaggedStruct("LatestPoints", { keepAlive: Schema.Boolean }),
  Schema.TaggedStruct("GetData", {}),
  Schema.TaggedStruct("Quit", {})
)
export type Request = typeof Request.Type

/** The two reply dialects, named after the command that asks for them. */
export const Dialect = Schema.Literal("REQUEST_LATEST_POINTS", "get_data")
export type Dialect = typeof Dialect.Type

const latestPoints = /^REQUEST_LATEST_POINTS(?:[ \t]+(KEEP-ALIVE))?$/i

/** A request as text, a trailing `\r` or `\n` tolerated; commands are case-insensitive, as seed 001's are. */
export const RequestFromText = Schema.transformOrFail(Schema.String, Request, {
  strict: true,
  decode: (raw, _, ast) => {
    const text = raw.replace(/\r?\n?$/, "")
    const match = latestPoints.exec(text)
    if (match !== null) return ParseResult.succeed({ _tag: "LatestPoints" as const, keepAlive: match[1] !== undefined })
    const lower = text.toLowerCase()
    if (lower === "get_data") return ParseResult.succeed({ _tag: "GetData" as const })
    if (lower === "quit") return ParseResult.succeed({ _tag: "Quit" as const })
    return ParseResult.fail(
      new ParseResult.Type(ast, raw, text === "" ? "empty request" : `unknown request ${JSON.stringify(text.slice(0, 64))}`)
    )
  },
  encode: (request) =>
    ParseResult.succeed(
      request._tag === "LatestPoints"
        ? `REQUEST_LATEST_POINTS${request.keepAlive ? " KEEP-ALIVE" : ""}`
        : request._tag === "GetData"
        ? "get_data"
        : "quit"
    )
})

/** Bytes off the wire as text; bytes that are not UTF-8 are refused rather than replaced. */
export const Utf8FromBytes = Schema.transformOrFail(Schema.Uint8ArrayFromSelf, Schema.String, {
  strict: true,
  decode: (bytes, _, ast) =>
    Option.match(decodeUtf8(bytes), {
      onNone: () => ParseResult.fail(new ParseResult.Type(ast, bytes, "unknown request (not UTF-8)")),
      onSome: ParseResult.succeed
    }),
  encode: (text) => ParseResult.succeed(toBytes(text))
})

export const RequestFromBytes = Schema.compose(Utf8FromBytes, RequestFromText)

export const decodeRequest = Schema.decodeEither(RequestFromBytes)

/** Why a request was refused, as the error reply says it. */
export const refusal = (error: ParseResult.ParseError): string => describeParseError(error) || "unknown request"

/** The data every reply carries. */
export const PointsReply = Schema.Struct({ user: UserName, points: Schema.Int, lastUpdate: Timestamp })
export type PointsReply = typeof PointsReply.Type

const replyLine = (separator: string) => {
  const pattern = new RegExp(
    `^User: (\\S+)${separator.replace("|", "\\|")}Points: (-?\\d+)${separator.replace("|", "\\|")}Last Update: (.+?)\\r?\\n?$`
  )
  return Schema.transformOrFail(Schema.String, PointsReply, {
    strict: true,
    decode: (line, _, ast) => {
      const match = pattern.exec(line)
      return match === null
        ? ParseResult.fail(new ParseResult.Type(ast, line, "not a points reply"))
        : ParseResult.decodeUnknown(PointsReply)({ user: match[1], points: Number(match[2]), lastUpdate: match[3] })
    },
    encode: (reply) =>
      ParseResult.succeed(
        `User: ${reply.user}${separator}Points: ${reply.points}${separator}Last Update: ${reply.lastUpdate}`
      )
  })
}

/** Seed 002's reply, `User: ikhwan, Points: 3, Last Update: 2026-01-12 14:30:00` (sent with `\n`). */
export const CommaReplyLine = replyLine(", ")
/** Seed 001's reply, `User: Afif | Points: 120 | Last Update: 2026-01-12 14:30:00` (sent bare). */
export const PipeReplyLine = replyLine(" | ")
/** Either dialect, as a client reads it. */
export const ReplyLine = Schema.Union(CommaReplyLine, PipeReplyLine)

/** The bytes a server sends for a reply in a dialect. */
export const encodeReply = (dialect: Dialect, reply: PointsReply): string =>
  dialect === "REQUEST_LATEST_POINTS"
    ? `${Schema.encodeSync(CommaReplyLine)(reply)}\n`
    : Schema.encodeSync(PipeReplyLine)(reply)

/** How an error reply starts, in both dialects. */
const ERROR_PREFIX = "ERROR "
/** Seed 001's servers' own sentence for a request they do not understand. */
const GET_DATA_REFUSAL_START = "Invalid command"
const GET_DATA_REFUSAL = `${GET_DATA_REFUSAL_START}. Use 'get_data' or 'quit'`

/** The reply to a request the server does not understand; seed 001's dialect has its own sentence for it. */
export const encodeRefusal = (dialect: Dialect, reason: string): string =>
  dialect === "get_data" ? GET_DATA_REFUSAL : `${ERROR_PREFIX}${reason}\n`

/** The reply when the server cannot answer a good request (no row, database down), in the dialect's framing. */
export const encodeError = (dialect: Dialect, reason: string): string =>
  dialect === "get_data" ? `${ERROR_PREFIX}${reason}` : `${ERROR_PREFIX}${reason}\n`

/** Whether a reply line (without its terminator) is a server's error or refusal, ours or a seed's. */
export const isErrorReply = (line: string): boolean => line.startsWith(ERROR_PREFIX) || line.startsWith(GET_DATA_REFUSAL_START)
