import * as Net from "node:net"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { describeMariaDb, useTestDatabase } from "../support/mariadb.js"
import { canBind, stopWith } from "../support/processes.js"
import {
  commaReply,
  listeningPort,
  LOOPBACK,
  plainLines,
  TcpPeer,
  tcpExchange,
  type TestBackend,
  udpExchange,
  uniqueUser,
  useEmbeddedDb,
  usePrograms
} from "./harness.js"

/** The `server` program as a user runs it: start-up, SIGTERM, and refusing bad settings with one line. */

/** Log lines at ERROR/FATAL, or the one-line failure a program prints: none may appear on a clean stop. */
const ERRORS = /level=(ERROR|FATAL)|^error:|Error\b/m

const backends: ReadonlyArray<{ name: string; describe: (name: string, body: () => void) => void; use: () => TestBackend }> = [
  { name: "the embedded database", describe, use: useEmbeddedDb },
  { name: "MariaDB", describe: describeMariaDb, use: useTestDatabase }
]

for (const backend of backends) {
  backend.describe(`server program on ${backend.name}`, () => {
    const db = backend.use()
    const start = usePrograms()
    const serverEnv = (transport: "tcp" | "udp") => ({
      ...db.env(),
      SERVER_USER: uniqueUser("s"),
      SERVER_HOST: LOOPBACK,
      SERVER_PORT: "0",
      TRANSPORT: transport,
      UPDATE_INTERVAL: "0.2"
    })

    it("on SIGTERM exits 0 within 1 s, prints no error and frees its TCP port", async () => {
      const env = serverEnv("tcp")
      const server = start("server", env)
      const port = await listeningPort(server)
      expect(await tcpExchange(port, "REQUEST_LATEST_POINTS\n")).toMatch(commaReply(env.SERVER_USER))
      await server.waitFor('message="point added"')
      // Connections still open at shutdown must not hold it up: one silent, one half-way through a request,
      // one persistent.
      const silent = await TcpPeer.connect(port)
      const partial = await TcpPeer.connect(port)
      await partial.write("REQUEST_LAT")
      const persistent = await TcpPeer.connect(port)
      await persistent.write("REQUEST_LATEST_POINTS KEEP-ALIVE\n")
      await persistent.readLine()
      try {
        const stopping = stopWith(server, "SIGTERM")
        // The drain answers the request under way, then closes that connection too.
        await partial.write("EST_POINTS\n")
        expect(await partial.rest()).toMatch(commaReply(env.SERVER_USER))
        const { code, elapsedMs } = await stopping
        expect(code).toBe(0)
        expect(elapsedMs).toBeLessThan(1000)
        expect(server.stderr()).not.toMatch(ERRORS)
        expect(server.stdout()).toBe("")
        await Promise.all([silent.closed, partial.closed, persistent.closed])
        expect(await canBind("tcp", port)).toBe(true)
      } finally {
        for (const peer of [silent, partial, persistent]) peer.destroy()
      }
    })

    it("on SIGTERM exits 0 within 1 s and frees its UDP port", async () => {
      const env = serverEnv("udp")
      const server = start("server", env)
      const port = await listeningPort(server)
      expect((await udpExchange(port, "REQUEST_LATEST_POINTS")).toString()).toMatch(commaReply(env.SERVER_USER))
      const { code, elapsedMs } = await stopWith(server, "SIGTERM")
      expect(code).toBe(0)
      expect(elapsedMs).toBeLessThan(1000)
      expect(server.stderr()).not.toMatch(ERRORS)
      expect(await canBind("udp", port)).toBe(true)
    })

    it("on SIGINT (Ctrl-C) exits 0 as well", async () => {
      const server = start("server", serverEnv("tcp"))
      await listeningPort(server)
      server.kill("SIGINT")
      expect(await server.exited).toBe(0)
      expect(server.stderr()).not.toMatch(ERRORS)
    })

    it("creates its user's row with 0 points, and a restart leaves the points it has", async () => {
      const env = { ...serverEnv("tcp"), UPDATE_INTERVAL: "3600" }
      const first = start("server", env)
      const firstPort = await listeningPort(first)
      expect(await tcpExchange(firstPort, "REQUEST_LATEST_POINTS\n")).toMatch(/, Points: 0, /)
      first.kill("SIGTERM")
      expect(await first.exited).toBe(0)
      await db.query("UPDATE scores SET points = 41 WHERE user = ?", [env.SERVER_USER])
      const second = start("server", env)
      const secondPort = await listeningPort(second)
      expect(await tcpExchange(secondPort, "REQUEST_LATEST_POINTS\n")).toMatch(/, Points: 41, /)
    })
  })
}

// Each of these programs exits by itself, so they run side by side.
describe.concurrent("server program settings", () => {
  const db = useEmbeddedDb()
  const start = usePrograms("afterAll")
  const valid = () => ({ ...db.env(), SERVER_USER: uniqueUser("s"), SERVER_HOST: LOOPBACK, SERVER_PORT: "0" })

  /** Runs the server with one setting changed; it must exit 1 with exactly one line, naming the setting. */
  const refuses = async (env: Record<string, string>, names: RegExp) => {
    const server = start("server", env)
    expect(await server.exited).toBe(1)
    const lines = plainLines(server.stdout() + server.stderr())
    expect(lines, server.stdout() + server.stderr()).toHaveLength(1)
    expect(lines[0]).toMatch(names)
    return lines[0]!
  }

  it("refuses SERVER_PORT=99999", async () => {
    await refuses({ ...valid(), SERVER_PORT: "99999" }, /SERVER_PORT.*99999/)
  })

  it("refuses to start without SERVER_USER", async () => {
    const { SERVER_USER: _, ...env } = valid()
    await refuses(env, /SERVER_USER/)
  })

  it("refuses TRANSPORT=sctp", async () => {
    await refuses({ ...valid(), TRANSPORT: "sctp" }, /TRANSPORT.*sctp/)
  })

  it("refuses UPDATE_INTERVAL=soon", async () => {
    await refuses({ ...valid(), UPDATE_INTERVAL: "soon" }, /UPDATE_INTERVAL/)
  })

  it("refuses a bad flag as it refuses the variable", async () => {
    const server = start("server", valid(), ["--port", "70000"])
    expect(await server.exited).toBe(1)
    const lines = plainLines(server.stdout() + server.stderr())
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(/port.*70000/)
  })

  describe("when its port is taken", () => {
    let taken: Net.Server
    let port: number
    beforeAll(async () => {
      taken = Net.createServer()
      await new Promise<void>((resolve) => taken.listen(0, LOOPBACK, resolve))
      port = (taken.address() as Net.AddressInfo).port
    })
    afterAll(() => new Promise<void>((resolve) => taken.close(() => resolve())))

    it("exits 1 with one line naming the address", async () => {
      const line = await refuses({ ...valid(), SERVER_PORT: String(port) }, new RegExp(`${LOOPBACK}:${port}`))
      expect(line).toMatch(/EADDRINUSE/)
    })
  })
})
