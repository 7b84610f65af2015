import { DateTime, Either } from "effect"
import { describe, expect, it } from "vitest"
import { ECHO_PIECE_BYTES, pieces, SEED_TCP_MESSAGE, SEED_UDP_MESSAGE, showBytes } from "../../src/schema/EchoProtocol.js"
import { decodeMessage, MAX_MESSAGE_BYTES, receipt, refusalReply } from "../../src/schema/MessageProtocol.js"

/** Seeds 003 and 004's protocols as pure functions (the spawned tests in test/programs run them on sockets). */
const bytes = (text: string) => new TextEncoder().encode(text)

describe("seed 003's echo protocol", () => {
  it("cuts the seed's 91-byte TCP message into five 16-byte pieces and one of 11, views of the same bytes", () => {
    const message = bytes(SEED_TCP_MESSAGE)
    expect(message.length).toBe(91)
    const cut = pieces(message)
    expect(cut.map((piece) => piece.length)).toEqual([16, 16, 16, 16, 16, 11])
    expect(Buffer.concat(cut).toString()).toBe(SEED_TCP_MESSAGE)
    expect(cut[1]!.buffer).toBe(message.buffer)
    expect(ECHO_PIECE_BYTES).toBe(16)
  })

  it("cuts at any size, leaves a short message whole and an empty one as no pieces", () => {
    expect(pieces(bytes("abcdef"), 4).map((p) => Buffer.from(p).toString())).toEqual(["abcd", "ef"])
    expect(pieces(bytes("abcd"), 4)).toHaveLength(1)
    expect(pieces(bytes(SEED_UDP_MESSAGE), 64)).toHaveLength(1)
    expect(pieces(new Uint8Array(0))).toEqual([])
  })

  it("shows bytes as Python prints them, every escape of its own", () => {
    expect(showBytes(bytes("This is our mess"))).toBe("b'This is our mess'")
    expect(showBytes(Uint8Array.from([0x5c, 0x27, 0x0a, 0x0d, 0x09, 0x20, 0x7e, 0x7f, 0x1f, 0x00, 0xff]))).toBe("b'\\\\\\'\\n\\r\\t ~\\x7f\\x1f\\x00\\xff'")
    expect(showBytes(new Uint8Array(0))).toBe("b''")
  })
})

describe("seed 004's message protocol", () => {
  it("takes the first chunk verbatim as UTF-8, newline and all, up to 1024 bytes", () => {
    expect(decodeMessage(bytes("Hello from compose\n"))).toStrictEqual(Either.right("Hello from compose\n"))
    expect(decodeMessage(bytes("é".repeat(MAX_MESSAGE_BYTES / 2)))).toStrictEqual(Either.right("é".repeat(MAX_MESSAGE_BYTES / 2)))
  })

  it("refuses a chunk over 1024 bytes, and one that is not UTF-8, each with a one-line reply", () => {
    const long = decodeMessage(new Uint8Array(MAX_MESSAGE_BYTES + 1).fill(0x61))
    expect(long).toStrictEqual(Either.left({ _tag: "TooLong", bytes: 1025 }))
    expect(refusalReply({ _tag: "TooLong", bytes: 1025 })).toBe("ERROR message longer than 1024 bytes (got 1025)")
    const garbled = decodeMessage(Uint8Array.from([0x48, 0xff, 0xfe]))
    expect(garbled).toStrictEqual(Either.left({ _tag: "NotUtf8" }))
    expect(refusalReply({ _tag: "NotUtf8" })).toBe("ERROR message is not valid UTF-8")
  })

  it("stamps the receipt on the zone's wall clock", () => {
    const instant = DateTime.unsafeMake("2026-12-03T23:59:30Z")
    expect(receipt("hi", instant, DateTime.zoneMakeOffset(8 * 3600 * 1000))).toBe("Server received at 2026-12-04 07:59:30: hi")
    expect(receipt("hi", instant, DateTime.zoneMakeOffset(0))).toBe("Server received at 2026-12-03 23:59:30: hi")
  })
})
