import { describe, expect, it } from "vitest"
import type { Layer } from "effect"
import type { Db } from "../../src/layers/Db.js"
import { canBind, stopWith } from "../support/processes.js"
import { describeMariaDb, useTestDatabase } from "../support/mariadb.js"
import { startLimitedServer } from "../support/pointsServer.js"
import { commaReply, LOOPBACK, listeningPort, TcpPeer, uniqueUser, useEmbeddedDb, usePrograms } from "./harness.js"

// Graceful drain (SIGTERM, or interrupting the server's fibers): stop accepting, answer every request
// already under way, close idle connections with FIN, exit 0 within SHUTDOWN_TIMEOUT.
describe("server program drain on SIGTERM", () => {
  const db = useEmbeddedDb()
  const start = usePrograms()

  it("answers a few hundred requests in flight, closes idle connections, and exits 0 within SHUTDOWN_TIMEOUT", async () => {
    const user = uniqueUser("d")
    const server = start("server", { ...db.env(), SERVER_USER: user, SERVER_HOST: LOOPBACK, SERVER_PORT: "0", SHUTDOWN_TIMEOUT: "20", UPDATE_INTERVAL: "3600" })
    const port = await listeningPort(server)
    const reply = commaReply(user)
    // 300 accepted connections, each answered once (so accepted for sure), then half-way through a request.
    const inFlight = await Promise.all(Array.from({ length: 300 }, async () => {
      const peer = await TcpPeer.connect(port)
      await peer.write("REQUEST_LATEST_POINTS KEEP-ALIVE\n")
      expect(await peer.readLine(20_000)).toMatch(reply)
      await peer.write("REQUEST_LATEST_")
      return peer
    }))
    const idle = await Promise.all(Array.from({ length: 30 }, () => TcpPeer.connect(port)))
    const stopping = stopWith(server, "SIGTERM")
    await server.waitFor("draining connections", 20_000)
    await Promise.all(inFlight.map((peer) => peer.write("POINTS\n")))
    try {
      // Every request under way gets its reply, then FIN (no reset, no EOF without a reply).
      const rests = await Promise.all(inFlight.map((peer) => peer.rest(20_000)))
      for (const rest of rests) expect(rest).toMatch(reply)
      for (const peer of idle) expect(await peer.rest(20_000)).toBe("")
      const { code, elapsedMs } = await stopping
      expect(code).toBe(0)
      expect(elapsedMs).toBeLessThan(20_000) // SHUTDOWN_TIMEOUT: the drain needed none of it
      expect(await canBind("tcp", port)).toBe(true)
    } finally {
      for (const peer of [...inFlight, ...idle]) peer.destroy()
    }
  }, 120_000)

  it("closes a request still incomplete at SHUTDOWN_TIMEOUT and exits 0", async () => {
    const server = start("server", { ...db.env(), SERVER_USER: uniqueUser("d"), SERVER_HOST: LOOPBACK, SERVER_PORT: "0", SHUTDOWN_TIMEOUT: "0.5" })
    const port = await listeningPort(server)
    const stuck = await TcpPeer.connect(port)
    await stuck.write("REQUEST_LAT")
    const { code } = await stopWith(server, "SIGTERM")
    expect(code).toBe(0)
    await stuck.closed
    stuck.destroy()
  }, 60_000)
})

/** What a test can see in its own process: the port free, every accepted socket closed, the pool closed. */
const shutdownIsVisible = (layer: () => Layer.Layer<Db, unknown>, openDbConnections?: () => Promise<number>) =>
  async () => {
    const before = openDbConnections === undefined ? 0 : await openDbConnections()
    const server = await startLimitedServer({ db: layer(), shutdownTimeout: "10 seconds" })
    const reply = commaReply("hostile")
    const persistent = await TcpPeer.connect(server.port)
    await persistent.write("get_data")
    const silent = await TcpPeer.connect(server.port)
    const midway = await TcpPeer.connect(server.port)
    await midway.write("REQUEST_LATEST")
    await persistent.readPipeReply()
    // The partial request must have reached the server (no reply tells us when): a moment on loopback.
    await new Promise((resolve) => setTimeout(resolve, 300))
    const stopped = server.stop()
    await midway.write("_POINTS\n")
    expect(await midway.rest()).toMatch(reply)
    await stopped
    // Still in the test's process: nothing was left to the OS to clean up.
    await Promise.all([persistent.closed, silent.closed, midway.closed])
    expect(await server.metric("scoreline_open_connections", 'transport="tcp"')).toBe(0)
    expect(await canBind("tcp", server.port)).toBe(true)
    if (openDbConnections !== undefined) expect(await openDbConnections()).toBe(before)
    for (const peer of [persistent, silent, midway]) peer.destroy()
  }

describe("in-process shutdown (interrupting the server's fibers)", () => {
  const db = useEmbeddedDb()
  it("frees the port and closes every accepted socket, answering the request under way", shutdownIsVisible(() => db.layer()), 60_000)
})

describeMariaDb("in-process shutdown on MariaDB", () => {
  const db = useTestDatabase()
  const connections = async () =>
    (await db.query<{ n: number }>("SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE DB = ?", [db.name]))[0]!.n
  it("also closes the database pool", shutdownIsVisible(() => db.layer(), connections), 60_000)
})
