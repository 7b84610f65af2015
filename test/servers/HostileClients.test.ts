import { afterEach, describe, expect, it } from "vitest"
import * as Dgram from "node:dgram"
import * as Net from "node:net"
import { commaReply, eventually, TcpPeer, tcpExchange, udpExchange } from "../programs/harness.js"
import { startLimitedServer } from "../support/pointsServer.js"
import { OVER_CAPACITY } from "../../src/servers/PointsSockets.js"

// Real loopback sockets against an in-process server with small limits. No timed assertions: each test
// waits for the condition it expects, with a generous bound.
const running: Array<{ stop: () => Promise<void> }> = []
const start = async (options: Parameters<typeof startLimitedServer>[0] = {}) => {
  const server = await startLimitedServer(options)
  running.push(server)
  return server
}
afterEach(async () => {
  await Promise.all(running.splice(0).map((server) => server.stop()))
})
const REPLY = commaReply("hostile")
const keepAlive = async (port: number) => {
  const peer = await TcpPeer.connect(port)
  await peer.write("REQUEST_LATEST_POINTS KEEP-ALIVE\n")
  expect(await peer.readLine()).toMatch(REPLY)
  return peer
}

describe("connection cap (MAX_CONNECTIONS)", () => {
  it("tells the connection over the cap why and closes it; the others keep being served; a freed slot is reused", async () => {
    const server = await start({ maxConnections: 3 })
    const served = await Promise.all([keepAlive(server.port), keepAlive(server.port), keepAlive(server.port)])
    expect(await server.metric("scoreline_open_connections", 'transport="tcp"')).toBe(3)
    expect(await tcpExchange(server.port, "REQUEST_LATEST_POINTS\n")).toBe(OVER_CAPACITY)
    for (const peer of served) {
      await peer.write("REQUEST_LATEST_POINTS\n")
      expect(await peer.readLine()).toMatch(REPLY)
    }
    served[0]!.destroy()
    await eventually("a slot to free", async () => (await server.metric("scoreline_open_connections", 'transport="tcp"')) === 2 || undefined)
    expect(await tcpExchange(server.port, "REQUEST_LATEST_POINTS\n")).toMatch(REPLY)
    for (const peer of served) peer.destroy()
  })

  it("survives a flood of connections past the cap, then answers a normal client", async () => {
    const server = await start({ maxConnections: 20 })
    const flood = await Promise.all(Array.from({ length: 300 }, () => TcpPeer.connect(server.port).catch(() => undefined)))
    const peers = flood.filter((p) => p !== undefined)
    // Everyone past the cap is told and closed; the 20 below it stay open, silent.
    await eventually("the flood past the cap to be closed", async () => peers.filter((p) => p.hasEnded).length >= peers.length - 20 || undefined)
    expect(peers.filter((p) => p.hasEnded).every((p) => p.all.toString() === OVER_CAPACITY)).toBe(true)
    for (const peer of peers) peer.destroy()
    await eventually("the flood's slots to free", async () => (await server.metric("scoreline_open_connections", 'transport="tcp"')) === 0 || undefined)
    expect(await tcpExchange(server.port, "REQUEST_LATEST_POINTS\n")).toMatch(REPLY)
  })
})

describe("timeouts", () => {
  it("cuts a slow-loris client (a byte at a time, never idle) at REQUEST_TIMEOUT from its first byte", async () => {
    const server = await start({ requestTimeout: "600 millis", idleTimeout: "30 seconds" })
    const loris = await TcpPeer.connect(server.port)
    const request = "REQUEST_LATEST_POINTS KEEP-ALIVE"
    let sent = 0
    while (!loris.hasEnded && sent < request.length) {
      await loris.write(request[sent++]!).catch(() => undefined)
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    expect(await loris.rest(10_000)).toBe("ERROR request not complete in time\n")
    expect(sent).toBeLessThan(request.length) // cut before it could finish, though it was never idle
    expect(await tcpExchange(server.port, "REQUEST_LATEST_POINTS\n")).toMatch(REPLY)
    loris.destroy()
  })

  it("closes an idle connection after the idle timeout, with FIN", async () => {
    const server = await start({ idleTimeout: "300 millis" })
    const idle = await keepAlive(server.port)
    expect(await idle.rest(10_000)).toBe("")
    idle.destroy()
  })

  // The listener sweeps its timers only while it has connections: the sweep must come back with the next one.
  it("times out a connection that comes after all the others have closed", async () => {
    const server = await start({ idleTimeout: "300 millis" })
    for (let round = 0; round < 2; round++) {
      const idle = await keepAlive(server.port)
      expect(await idle.rest(10_000)).toBe("")
      idle.destroy()
      await eventually("the connection to be gone", async () => (await server.metric("scoreline_open_connections", 'transport="tcp"')) === 0 || undefined)
    }
  })
})

describe("bounded memory", () => {
  it("stops reading from a client that sends fast and never reads its replies", async () => {
    const server = await start({ idleTimeout: "30 seconds" })
    const socket = Net.createConnection({ host: "127.0.0.1", port: server.port })
    await new Promise((resolve) => socket.once("connect", resolve))
    socket.on("error", () => {})
    socket.pause() // never reads
    const chunk = Buffer.from("REQUEST_LATEST_POINTS KEEP-ALIVE\n".repeat(2000)) // 66 KB of requests
    const offered = 200 * chunk.length // 13 MB, with about 1.6× that in replies
    for (let i = 0; i < 200; i++) socket.write(chunk)
    // Wait until the bytes the kernel takes from us stop growing for a whole second: the server stopped reading.
    let last = -1
    await eventually("the sender to be held back", async () => {
      await new Promise((resolve) => setTimeout(resolve, 1000))
      const sent = socket.bytesWritten - socket.writableLength
      const stalled = sent === last
      last = sent
      return stalled || undefined
    }, 20_000)
    // Had the server kept reading, all 13 MB would be gone and ~21 MB of replies queued in the server.
    expect(socket.writableLength).toBeGreaterThan(offered / 2)
    expect(await server.metric("scoreline_socket_requests_total", 'outcome="ok"')).toBeLessThan(offered / 34 / 2)
    socket.destroy()
    expect(await tcpExchange(server.port, "REQUEST_LATEST_POINTS\n")).toMatch(REPLY)
  })
})

/**
 * Seeded, so a failure is replayed with its seed (FUZZ_SEED). Every round sends each class of bad input (short
 * noise, an over-long line, a cut request, `get_data` with noise, blank lines) on 20 connections each, half
 * half-closed: 4 rounds by default, the same classes as the 20-round run that FUZZ_LONG=1 keeps.
 */
const FUZZ_SEED = Number(process.env.FUZZ_SEED ?? 20261203)
const FUZZ_ROUNDS = process.env.FUZZ_LONG === "1" ? 20 : 4

/** mulberry32: a small seeded generator, so the payloads are the same every run. */
const seeded = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}

describe("fuzz over real sockets", () => {
  const next = seeded(FUZZ_SEED)
  const below = (n: number) => Math.floor(next() * n)
  const random = (n: number) => Buffer.from(Array.from({ length: n }, () => below(256)))
  const KINDS = [
    () => random(1 + below(64)),
    () => random(900 + below(400)),
    () => Buffer.from("REQUEST_LATEST_POINTS".slice(0, below(22)) + "\r\n\0".charAt(below(3))),
    () => Buffer.concat([Buffer.from("get_data"), random(8)]),
    () => Buffer.from("\n".repeat(below(50)))
  ]
  /** The i-th payload: the kinds in turn, so each round has every class. */
  const payload = (i: number) => KINDS[i % KINDS.length]!()

  it(`takes ${FUZZ_ROUNDS * 100} malformed TCP payloads and 5000 UDP datagrams (seed ${FUZZ_SEED}), then answers a normal request; RSS grows < 64 MB`, async () => {
    const tcp = await start({ idleTimeout: "2 seconds", requestTimeout: "1 second" })
    const udp = await start({ transport: "udp" })
    const rssBefore = process.memoryUsage().rss
    for (let round = 0; round < FUZZ_ROUNDS; round++) {
      await Promise.all(Array.from({ length: 100 }, async (_, i) => {
        const socket = Net.createConnection({ host: "127.0.0.1", port: tcp.port })
        socket.on("error", () => {})
        socket.on("data", () => {})
        await new Promise<void>((resolve) => {
          const bytes = payload(i)
          socket.once("connect", () => (i % 10 < 5 ? socket.end(bytes) : socket.write(bytes)))
          socket.once("close", () => resolve())
          setTimeout(() => socket.destroy(), 3_000)
        })
      }))
    }
    const client = Dgram.createSocket("udp4")
    for (let i = 0; i < 5000; i++) client.send(payload(i).subarray(0, 1500), udp.port, "127.0.0.1")
    await new Promise((resolve) => setTimeout(resolve, 200))
    client.close()
    expect(await tcpExchange(tcp.port, "REQUEST_LATEST_POINTS\n")).toMatch(REPLY)
    expect((await udpExchange(udp.port, "REQUEST_LATEST_POINTS")).toString()).toMatch(REPLY)
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(64 * 1024 * 1024)
    // At least the over-long lines (a fifth of the payloads) were refused, each with its reply.
    expect(await tcp.metric("scoreline_socket_requests_total", 'outcome="refused"')).toBeGreaterThanOrEqual(FUZZ_ROUNDS * 20)
  }, 120_000)
})
