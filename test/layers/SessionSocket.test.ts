import { EventEmitter } from "node:events"
import type * as Net from "node:net"
import { afterEach, describe, expect, it, vi } from "vitest"
import { lastEncoding } from "../../src/layers/transport/lastEncoding.js"
import { driveSocket } from "../../src/layers/transport/SessionSocket.js"
import { pointsSession } from "../../src/servers/PointsConnection.js"

/** Just what driveSocket touches of a socket, recording what it was asked to do. */
class FakeSocket extends EventEmitter {
  readonly calls: Array<string> = []
  writableLength = 0
  writableFinished = false
  write(data: Uint8Array) {
    this.calls.push(`write ${JSON.stringify(Buffer.from(data).toString())}`)
    return true
  }
  end(data?: Uint8Array) {
    this.calls.push(`end ${JSON.stringify(Buffer.from(data ?? "").toString())}`)
    return this
  }
  destroy() {
    this.calls.push("destroy")
    return this
  }
  pause() {
    return this
  }
  resume() {
    return this
  }
}

const reply = () => "User: u, Points: 1, Last Update: 2026-01-01 00:00:00\n"

describe("a session's socket timer, swept by its listener", () => {
  afterEach(() => {
    vi.useRealTimers()
  })

  const drive = (limits: { idleMs: number; requestMs: number }) => {
    vi.useFakeTimers({ toFake: ["Date"] })
    vi.setSystemTime(1_000_000)
    const socket = new FakeSocket()
    const driven = driveSocket(socket as unknown as Net.Socket, pointsSession(reply, () => {})(), limits, lastEncoding())
    const ends = () => socket.calls.filter((call) => call.startsWith("end") || call === "destroy")
    /** A sweep a millisecond before `at` changes nothing; the sweep at `at` does `next`. */
    const expectNextAt = (at: number, next: string) => {
      const before = ends()
      driven.sweep(at - 1)
      expect(ends()).toEqual(before)
      driven.sweep(at)
      expect(ends()).toEqual([...before, next])
    }
    return { socket, driven, expectNextAt }
  }

  it("cuts a request at its deadline, not before, with the reason", () => {
    const { expectNextAt, socket } = drive({ idleMs: 60_000, requestMs: 600 })
    socket.emit("data", Buffer.from("REQ"))
    expectNextAt(1_000_600, 'end "ERROR request not complete in time\\n"')
  })

  it("with no request under way, the timer is the idle timeout: a plain FIN; its FIN unread, the socket goes a period later", () => {
    const { expectNextAt } = drive({ idleMs: 300, requestMs: 600 })
    expectNextAt(1_000_300, 'end ""')
    expectNextAt(1_000_600, "destroy")
  })

  it("every request read restarts the idle timeout, as Node's own socket timer would", () => {
    const { driven, expectNextAt, socket } = drive({ idleMs: 300, requestMs: 600 })
    vi.setSystemTime(1_000_200)
    socket.emit("data", Buffer.from("REQUEST_LATEST_POINTS KEEP-ALIVE\n"))
    expect(socket.calls.filter((call) => call.startsWith("write"))).toHaveLength(1)
    driven.sweep(1_000_300)
    expectNextAt(1_000_500, 'end ""')
  })

  it("a request completed before its deadline leaves only the idle timeout", () => {
    const { driven, expectNextAt, socket } = drive({ idleMs: 60_000, requestMs: 600 })
    socket.emit("data", Buffer.from("REQUEST_LATEST"))
    vi.setSystemTime(1_000_100)
    socket.emit("data", Buffer.from("_POINTS KEEP-ALIVE\n"))
    driven.sweep(1_000_700)
    expectNextAt(1_060_100, 'end ""')
  })

  it("a peer that stops reading our queued replies is dropped when the timer comes round again", () => {
    const { expectNextAt, socket } = drive({ idleMs: 300, requestMs: 600 })
    socket.writableLength = 100 // replies the peer has not read
    expectNextAt(1_000_300, "destroy")
  })
})
