import { describe, expect, it } from "@effect/vitest"
import { Either, FastCheck as fc } from "effect"
import { concatBytes } from "../../src/schema/Bytes.js"
import { flushFrames, MAX_REQUEST_BYTES, takeFrames } from "../../src/schema/Framing.js"
import { decodeRequest } from "../../src/schema/PointsProtocol.js"
import { parseRequest } from "../../src/schema/PointsRequestBytes.js"
import { answerDatagram, pointsSession } from "../../src/servers/PointsConnection.js"

// Property tests of the request parser, the framing and the TCP session with arbitrary bytes: whatever a
// client sends, nothing throws, memory stays bounded, and the fast path agrees with the schema.
const REPLY = "User: u, Points: 1, Last Update: 2026-01-01 00:00:00\n"
const PIPE = "User: u | Points: 1 | Last Update: 2026-01-01 00:00:00"
const reply = (dialect: "REQUEST_LATEST_POINTS" | "get_data") => (dialect === "get_data" ? PIPE : REPLY)
const ignore = () => {}
const bytes = (text: string) => new TextEncoder().encode(text)

/** Bytes that look like what clients send, mixed with noise: commands, terminators, garbage, long runs. */
const wireBytes = fc.oneof(
  fc.uint8Array({ maxLength: 64 }),
  fc.constantFrom(
    "REQUEST_LATEST_POINTS", "REQUEST_LATEST_POINTS KEEP-ALIVE", "get_data", "GET_DATA", "quit", "\n", "\r\n", "\r",
    "request_latest_points\t keep-alive", " ", "x".repeat(600)
  ).map(bytes),
  fc.string({ unit: "binary", maxLength: 40 }).map(bytes)
)
const stream = fc.array(wireBytes, { maxLength: 30 }).map(concatBytes)
/** Where a stream is cut into chunks, as TCP may deliver it. */
const cuts = fc.array(fc.nat(), { maxLength: 12 })
const chunked = (data: Uint8Array, at: ReadonlyArray<number>) => {
  const points = [...new Set(at.map((n) => (data.length === 0 ? 0 : n % data.length)))].sort((a, b) => a - b)
  const chunks: Array<Uint8Array> = []
  let from = 0
  for (const p of points) {
    chunks.push(data.slice(from, p))
    from = p
  }
  chunks.push(data.slice(from))
  return chunks.filter((c) => c.length > 0)
}

describe("request parser (hot path) against the schema", () => {
  it("agrees with decodeRequest on arbitrary bytes", () => {
    fc.assert(
      fc.property(fc.oneof(wireBytes, fc.uint8Array({ maxLength: 2048 })), (data) => {
        const fast = parseRequest(data)
        const schema = decodeRequest(data)
        expect(Either.isRight(fast)).toBe(Either.isRight(schema))
        if (Either.isRight(fast) && Either.isRight(schema)) expect(fast.right).toEqual(schema.right)
      }),
      { numRuns: 3000 }
    )
  })

  it("recognises every exact form clients send", () => {
    for (const ending of ["", "\n", "\r\n"]) {
      expect(parseRequest(bytes(`REQUEST_LATEST_POINTS${ending}`))).toEqual(Either.right({ _tag: "LatestPoints", keepAlive: false }))
      expect(parseRequest(bytes(`get_data${ending}`))).toEqual(Either.right({ _tag: "GetData" }))
    }
  })
})

describe("framing with arbitrary bytes", () => {
  it("never returns a frame or a remainder past the line limit, and never throws", () => {
    fc.assert(
      fc.property(stream, fc.boolean(), (data, awaiting) => {
        const framed = takeFrames(data, (b) => Either.isRight(decodeRequest(b)), awaiting)
        expect(framed.rest.length).toBeLessThanOrEqual(MAX_REQUEST_BYTES)
        for (const frame of [...framed.frames, ...flushFrames(framed.rest)]) {
          if (frame._tag === "Request") expect(frame.bytes.length).toBeLessThanOrEqual(MAX_REQUEST_BYTES + 1)
        }
      }),
      { numRuns: 2000 }
    )
  })
})

describe("TCP session with arbitrary bytes", () => {
  /** Feeds chunks to a fresh session until it ends; returns all it sent, and whether it ended. */
  const run = (chunks: ReadonlyArray<Uint8Array>, eof: boolean) => {
    const session = pointsSession(reply, ignore)()
    let out = ""
    for (const chunk of chunks) {
      out += session.receive(chunk)
      if (session.ended) return { out, ended: true }
    }
    if (eof) out += session.finish()
    return { out, ended: session.ended }
  }

  // Lines none of whose proper prefixes is itself a bare command: `REQUEST_LATEST_POINTS` cut before its
  // ` KEEP-ALIVE` is a whole request by the protocol's own rule (docs/PROTOCOL.md, bare commands).
  it("answers newline-terminated requests the same however TCP cuts them", () => {
    const line = fc.constantFrom("get_data\n", "GET_DATA\r\n", "nonsense\n", "\n", "REQUEST_LATEST_POINTS\n", "quit\n", "\r\n")
    fc.assert(
      fc.property(fc.array(line, { maxLength: 20 }), cuts, (lines, at) => {
        const data = bytes(lines.join(""))
        expect(run(chunked(data, at), true)).toEqual(run([data], true))
      }),
      { numRuns: 2000 }
    )
  })

  // A chunk that is exactly one line skips the framing (the hot path); it must answer as the framing would.
  it("answers a line per chunk as it answers the same lines in one chunk", () => {
    const line = fc.constantFrom(
      "REQUEST_LATEST_POINTS KEEP-ALIVE\n",
      "REQUEST_LATEST_POINTS\r\n",
      "get_data\n",
      "nonsense\n",
      "\n",
      "quit\n",
      `${"x".repeat(1024)}\n`,
      `${"x".repeat(1025)}\n`
    )
    fc.assert(
      fc.property(fc.array(line, { maxLength: 12 }), (lines) => {
        expect(run(lines.map(bytes), false)).toEqual(run([bytes(lines.join(""))], false))
      }),
      { numRuns: 2000 }
    )
  })

  it("survives arbitrary bytes in arbitrary chunks: no throw, replies are whole lines or sentences", () => {
    fc.assert(
      fc.property(stream, cuts, fc.boolean(), (data, at, eof) => {
        const session = pointsSession(reply, ignore)()
        for (const chunk of chunked(data, at)) {
          const out = session.receive(chunk)
          expect(out).toMatch(/^(User: u, [^\n]*\n|User: u \| [^\n]*00:00:00|ERROR [^\n]*\n|Invalid command\. Use 'get_data' or 'quit')*$/)
          if (session.ended) return
        }
        if (eof) session.finish()
      }),
      { numRuns: 2000 }
    )
  })

  it("refuses a line past 1 KiB and ends, whatever came before", () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom("REQUEST_LATEST_POINTS KEEP-ALIVE\n", "bad\n"), { maxLength: 5 }), (lines) => {
        const result = run([bytes(lines.join("")), bytes("y".repeat(MAX_REQUEST_BYTES + 1))], false)
        expect(result.ended).toBe(true)
        expect(result.out.endsWith("ERROR request longer than 1024 bytes\n")).toBe(true)
      })
    )
  })

  it("times a request out with an error reply in its dialect", () => {
    const session = pointsSession(reply, ignore)()
    session.receive(bytes("REQUEST_LA"))
    expect(session.midRequest).toBe(true)
    expect(session.timedOut()).toBe("ERROR request not complete in time\n")
    expect(session.ended).toBe(true)
  })
})

describe("UDP answer with arbitrary bytes", () => {
  it("answers every datagram but quit with exactly one reply, never throwing", () => {
    fc.assert(
      fc.property(fc.oneof(wireBytes, fc.uint8Array({ maxLength: 3000 })), (data) => {
        const answer = answerDatagram(reply, ignore)(data)
        const request = data.length > MAX_REQUEST_BYTES ? undefined : decodeRequest(data)
        if (request !== undefined && Either.isRight(request) && request.right._tag === "Quit") expect(answer).toBeUndefined()
        else expect(answer).toMatch(/^(User: u, [^\n]*\n|User: u \| [^\n]*|ERROR [^\n]*\n)$/)
      }),
      { numRuns: 3000 }
    )
  })
})
