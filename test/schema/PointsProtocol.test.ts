import { describe, expect, it } from "@effect/vitest"
import { Either, Schema } from "effect"
import { concatBytes } from "../../src/schema/Bytes.js"
import { flushFrames, MAX_REQUEST_BYTES, takeFrames } from "../../src/schema/Framing.js"
import { CommaReplyLine, decodeRequest, encodeRefusal, encodeReply, PipeReplyLine, ReplyLine, refusal } from "../../src/schema/PointsProtocol.js"
import { Timestamp } from "../../src/schema/Timestamp.js"

const bytes = (text: string) => new TextEncoder().encode(text)
const text = (b: Uint8Array) => new TextDecoder().decode(b)
const isWhole = (b: Uint8Array) => Either.isRight(decodeRequest(b))
const reply = { user: "ikhwan", points: 42, lastUpdate: Timestamp.make("2026-01-12 14:30:00") }

describe("requests", () => {
  it("accepts both dialects with any terminator, case-insensitively", () => {
    for (const raw of ["REQUEST_LATEST_POINTS", "REQUEST_LATEST_POINTS\n", "REQUEST_LATEST_POINTS\r\n", "request_latest_points"]) {
      expect(decodeRequest(bytes(raw))).toEqual(Either.right({ _tag: "LatestPoints", keepAlive: false }))
    }
    expect(decodeRequest(bytes("REQUEST_LATEST_POINTS KEEP-ALIVE\n"))).toEqual(Either.right({ _tag: "LatestPoints", keepAlive: true }))
    for (const raw of ["get_data", "get_data\n", "get_data\r\n", "GET_DATA", "get_data\r"]) {
      expect(decodeRequest(bytes(raw))).toEqual(Either.right({ _tag: "GetData" }))
    }
    expect(decodeRequest(bytes("QUIT\n"))).toEqual(Either.right({ _tag: "Quit" }))
  })

  it("refuses unknown, empty and non-UTF-8 requests with a reason", () => {
    const reason = (raw: Uint8Array) => Either.match(decodeRequest(raw), { onLeft: refusal, onRight: () => "accepted" })
    expect(reason(bytes("hello\n"))).toBe('unknown request "hello"')
    expect(reason(bytes("\n"))).toBe("empty request")
    expect(reason(new Uint8Array([0xff, 0xfe, 0x0a]))).toBe("unknown request (not UTF-8)")
    expect(reason(bytes("REQUEST_LATEST_POINTSX"))).toMatch(/^unknown request/)
  })
})

describe("replies", () => {
  it("formats seed 002's comma line with a newline and seed 001's pipe line bare", () => {
    expect(encodeReply("REQUEST_LATEST_POINTS", reply)).toBe("User: ikhwan, Points: 42, Last Update: 2026-01-12 14:30:00\n")
    expect(encodeReply("get_data", reply)).toBe("User: ikhwan | Points: 42 | Last Update: 2026-01-12 14:30:00")
    expect(encodeRefusal("get_data", "x")).toBe("Invalid command. Use 'get_data' or 'quit'")
    expect(encodeRefusal("REQUEST_LATEST_POINTS", "x")).toBe("ERROR x\n")
  })

  it("decodes what it encodes, in both dialects, and nothing else", () => {
    const decode = Schema.decodeEither(ReplyLine)
    expect(decode(Schema.encodeSync(CommaReplyLine)(reply))).toEqual(Either.right(reply))
    expect(decode(Schema.encodeSync(PipeReplyLine)(reply))).toEqual(Either.right(reply))
    expect(Either.isLeft(decode("ERROR unknown request"))).toBe(true)
    expect(Either.isLeft(decode("User: x, Points: many, Last Update: 2026-01-12 14:30:00"))).toBe(true)
  })
})

describe("framing", () => {
  it("cuts lines, keeps a partial line, and takes a bare command whole", () => {
    const framed = takeFrames(bytes("get_data\nREQUEST_LATEST_POINTS\r\nREQ"), isWhole)
    expect(framed.frames.map((f) => (f._tag === "Request" ? text(f.bytes) : f._tag))).toEqual(["get_data\n", "REQUEST_LATEST_POINTS\r\n"])
    expect(text(framed.rest)).toBe("REQ")
    const bare = takeFrames(bytes("REQUEST_LATEST_POINTS"), isWhole)
    expect(bare.frames).toHaveLength(1)
    expect(bare.rest).toHaveLength(0)
  })

  it("does not take a bare command's late terminator for an empty request", () => {
    const bare = takeFrames(bytes("REQUEST_LATEST_POINTS"), isWhole)
    expect(bare.awaitingTerminator).toBe(true)
    for (const late of ["\n", "\r\n"]) {
      const next = takeFrames(bytes(late), isWhole, bare.awaitingTerminator)
      expect([next.frames.length, next.rest.length, next.awaitingTerminator]).toEqual([0, 0, false])
    }
    const split = takeFrames(bytes("\r"), isWhole, true)
    expect([split.frames.length, split.awaitingTerminator]).toEqual([0, true])
    expect(takeFrames(concatBytes([split.rest, bytes("\n")]), isWhole, split.awaitingTerminator).frames).toHaveLength(0)
    expect(takeFrames(bytes("get_data\n"), isWhole, true).frames).toHaveLength(1)
    // Without a bare command before it, an empty line is still a request (and refused as empty).
    expect(takeFrames(bytes("\n"), isWhole).frames).toHaveLength(1)
  })

  it("flags a line over the limit, terminated or not", () => {
    const long = "a".repeat(MAX_REQUEST_BYTES + 1)
    expect(takeFrames(bytes(long), isWhole).frames).toEqual([{ _tag: "TooLong" }])
    expect(takeFrames(bytes(`${long}\n`), isWhole).frames).toEqual([{ _tag: "TooLong" }])
    expect(takeFrames(bytes("a".repeat(MAX_REQUEST_BYTES)), isWhole).frames).toEqual([])
  })

  it("takes a line of exactly the limit (its newline not counted), after other lines too; one byte more is TooLong", () => {
    const atLimit = `${"a".repeat(MAX_REQUEST_BYTES)}\n`
    const taken = takeFrames(bytes(`get_data\n${atLimit}`), isWhole)
    expect(taken.frames.map((frame) => (frame._tag === "Request" ? frame.bytes.length : frame._tag))).toEqual([9, MAX_REQUEST_BYTES + 1])
    expect(takeFrames(bytes(`get_data\n${"a".repeat(MAX_REQUEST_BYTES + 1)}\n`), isWhole).frames.map((frame) => frame._tag)).toEqual(["Request", "TooLong"])
    // What follows a line over the limit is dropped with it: the connection is refused.
    expect(takeFrames(bytes(`${"a".repeat(MAX_REQUEST_BYTES + 1)}\nget_data\n`), isWhole)).toEqual({ frames: [{ _tag: "TooLong" }], rest: new Uint8Array(), awaitingTerminator: false })
    // An unterminated remainder that is not a whole request waits, however close to the limit.
    expect(takeFrames(bytes("a".repeat(MAX_REQUEST_BYTES)), isWhole)).toEqual({ frames: [], rest: bytes("a".repeat(MAX_REQUEST_BYTES)), awaitingTerminator: false })
  })

  it("at EOF: the limit holds for the last request too", () => {
    expect(flushFrames(bytes("a".repeat(MAX_REQUEST_BYTES)))).toEqual([{ _tag: "Request", bytes: bytes("a".repeat(MAX_REQUEST_BYTES)) }])
    expect(flushFrames(bytes("a".repeat(MAX_REQUEST_BYTES + 1)))).toEqual([{ _tag: "TooLong" }])
  })

  it("turns what is left at EOF into a last request", () => {
    expect(flushFrames(bytes("REQUEST_LATEST_POINTS"))).toHaveLength(1)
    expect(flushFrames(new Uint8Array())).toEqual([])
  })
})
