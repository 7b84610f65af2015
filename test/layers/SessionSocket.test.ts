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
  setTimeout(ms: number) {
    this.calls.push(`setTimeout ${ms}`)
    return this
  }
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

describe("a session's socket timer", () => {
  afterEach(() => {
    vi.useRealTimers()
  })

  it("a request timer that fires a little early re-arms for what is left, then cuts with the reason", () => {
    vi.useFakeTimers({ toFake: ["Date"] })
    vi.setSystemTime(1_000_000)
    const socket = new FakeSocket()
    driveSocket(socket as unknown as Net.Socket, pointsSession(reply, () => {})(), { idleMs: 60_000, requestMs: 600 }, lastEncoding())
    socket.emit("data", Buffer.from("REQ"))
    expect(socket.calls.at(-1)).toBe("setTimeout 600")
    vi.setSystemTime(1_000_599) // the timer fired a millisecond before the deadline
    socket.emit("timeout")
    expect(socket.calls.at(-1)).toBe("setTimeout 1")
    expect(socket.calls.some((call) => call.startsWith("end"))).toBe(false)
    vi.setSystemTime(1_000_600)
    socket.emit("timeout")
    expect(socket.calls.at(-1)).toBe('end "ERROR request not complete in time\\n"')
  })

  it("with no request under way, the timer is the idle timeout: a plain FIN", () => {
    vi.useFakeTimers({ toFake: ["Date"] })
    vi.setSystemTime(1_000_000)
    const socket = new FakeSocket()
    driveSocket(socket as unknown as Net.Socket, pointsSession(reply, () => {})(), { idleMs: 300, requestMs: 600 }, lastEncoding())
    expect(socket.calls.at(-1)).toBe("setTimeout 300")
    vi.setSystemTime(1_000_300)
    socket.emit("timeout")
    expect(socket.calls.at(-1)).toBe('end ""')
  })

  it("complete requests on an idle-armed socket set no new timer (Node restarts it on each read); a partial one does, and so does the next after it", () => {
    vi.useFakeTimers({ toFake: ["Date"] })
    vi.setSystemTime(1_000_000)
    const socket = new FakeSocket()
    driveSocket(socket as unknown as Net.Socket, pointsSession(reply, () => {})(), { idleMs: 60_000, requestMs: 600 }, lastEncoding())
    const timers = () => socket.calls.filter((call) => call.startsWith("setTimeout"))
    expect(timers()).toEqual(["setTimeout 60000"])
    for (let i = 0; i < 3; i++) socket.emit("data", Buffer.from("REQUEST_LATEST_POINTS KEEP-ALIVE\n"))
    expect(timers()).toEqual(["setTimeout 60000"])
    expect(socket.calls.filter((call) => call.startsWith("write"))).toHaveLength(3)
    socket.emit("data", Buffer.from("REQUEST_LATEST"))
    expect(timers().at(-1)).toBe("setTimeout 600")
    socket.emit("data", Buffer.from("_POINTS KEEP-ALIVE\n"))
    expect(timers()).toEqual(["setTimeout 60000", "setTimeout 600", "setTimeout 60000"])
    socket.emit("data", Buffer.from("REQUEST_LATEST_POINTS KEEP-ALIVE\n"))
    expect(timers()).toHaveLength(3)
  })
})
