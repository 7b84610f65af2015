import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { describeMariaDb, useTestDatabase } from "../support/mariadb.js"
import {
  commaReply,
  eventually,
  type InProcessServer,
  manualTicker,
  pipeReply,
  startPointsServer,
  TcpPeer,
  tcpExchange,
  type TestBackend,
  udpExchange,
  useEmbeddedDb
} from "./harness.js"

/**
 * Real points servers on loopback ephemeral ports (bindPointsServer + the node Transport, in this process),
 * against the embedded database and against MariaDB: everything a seed client or `nc` sees on the wire.
 * The spawned programs (signals, settings, retries) are in lifecycle.test.ts and client.test.ts.
 */
const backends: ReadonlyArray<{ name: string; describe: (name: string, body: () => void) => void; use: () => TestBackend }> = [
  { name: "the embedded database", describe, use: useEmbeddedDb },
  { name: "MariaDB", describe: describeMariaDb, use: useTestDatabase }
]

const NOT_UTF8 = Uint8Array.from([0xff, 0xfe, 0xc3, 0x28, 0x0a])

for (const backend of backends) {
  backend.describe(`TCP points server on ${backend.name}`, () => {
    const db = backend.use()
    let server: InProcessServer
    beforeAll(async () => {
      server = await startPointsServer({ db: db.layer(), transport: "tcp" })
    })
    afterAll(() => server?.stop())

    const expectPointsLine = async (text: string) => {
      const match = commaReply(server.user).exec(text)
      expect(match, JSON.stringify(text)).not.toBeNull()
      // A new server's row has 0 points (the update interval is an hour) and the stamp the database holds.
      expect(match![1]).toBe("0")
      expect(match![2]).toBe((await db.readRow(server.user))?.stamp)
    }

    it("answers REQUEST_LATEST_POINTS\\n (seed 002's Python client) with one line, then closes", async () => {
      await expectPointsLine(await tcpExchange(server.port, "REQUEST_LATEST_POINTS\n"))
    })

    it("answers REQUEST_LATEST_POINTS\\r\\n", async () => {
      await expectPointsLine(await tcpExchange(server.port, "REQUEST_LATEST_POINTS\r\n"))
    })

    it("answers the bare command while the client keeps its side open (seed 002's C client)", async () => {
      // tcpExchange never half-closes here: only the server closing ends the read.
      await expectPointsLine(await tcpExchange(server.port, "REQUEST_LATEST_POINTS"))
    })

    it("answers a client that half-closes right after the bare command (nc -N)", async () => {
      await expectPointsLine(await tcpExchange(server.port, "REQUEST_LATEST_POINTS", { halfClose: true }))
    })

    it("answers a client that half-closes after a terminated line", async () => {
      await expectPointsLine(await tcpExchange(server.port, "REQUEST_LATEST_POINTS\n", { halfClose: true }))
    })

    it("answers a request that arrives in several packets", async () => {
      const peer = await TcpPeer.connect(server.port)
      // No Nagle: each write leaves as a segment of its own, with no need to wait between them.
      peer.socket.setNoDelay(true)
      try {
        await peer.write("REQUEST_")
        await peer.write("LATEST_POIN")
        await peer.write("TS\n")
        await expectPointsLine(await peer.rest())
      } finally {
        peer.destroy()
      }
    })

    it("persistent mode answers 1,000 requests on one connection, in order", async () => {
      // Requests alternate with unknown ones, whose error replies echo their text: any reordering shows.
      const requests = ["REQUEST_LATEST_POINTS KEEP-ALIVE"]
      for (let i = 1; i < 1000; i++) requests.push(i % 2 === 0 ? "REQUEST_LATEST_POINTS" : `X${i}`)
      const peer = await TcpPeer.connect(server.port)
      try {
        await peer.write(requests.map((request) => `${request}\n`).join(""))
        peer.end()
        const replies = (await peer.rest(20_000)).split(/(?<=\n)/)
        const points = commaReply(server.user)
        expect(replies).toHaveLength(1000)
        expect(replies.map((reply) => (points.test(reply) ? "POINTS" : reply))).toEqual(
          requests.map((request) => (request.startsWith("REQUEST_LATEST_POINTS") ? "POINTS" : `ERROR unknown request "${request}"\n`))
        )
      } finally {
        peer.destroy()
      }
    })

    it("persistent mode keeps answering request by request until the client closes", async () => {
      const peer = await TcpPeer.connect(server.port)
      try {
        await peer.write("REQUEST_LATEST_POINTS KEEP-ALIVE\n")
        await expectPointsLine(await peer.readLine())
        for (let i = 0; i < 3; i++) {
          await peer.write("REQUEST_LATEST_POINTS\n")
          await expectPointsLine(await peer.readLine())
        }
        expect(peer.hasEnded).toBe(false)
        peer.end()
        expect(await peer.rest()).toBe("")
      } finally {
        peer.destroy()
      }
    })

    // The bare command is answered as soon as it arrives; its `\n`, arriving in the next packet, must not count
    // as a second, empty request.
    it("persistent mode gives one reply per request line even when the line's \\n arrives in a later packet", async () => {
      const peer = await TcpPeer.connect(server.port)
      try {
        await peer.write("REQUEST_LATEST_POINTS KEEP-ALIVE\n")
        await expectPointsLine(await peer.readLine())
        await peer.write("REQUEST_LATEST_POINTS")
        // The reply has come, so the server has read the bare command: the \n is a later packet.
        await expectPointsLine(await peer.readLine())
        await peer.write("\n")
        peer.end()
        expect(await peer.rest()).toBe("")
      } finally {
        peer.destroy()
      }
    })

    it("answers an unknown request with ERROR and keeps the connection", async () => {
      const peer = await TcpPeer.connect(server.port)
      try {
        await peer.write("HELLO\n")
        expect(await peer.readLine()).toBe(`ERROR unknown request "HELLO"\n`)
        await peer.write("\n")
        expect(await peer.readLine()).toBe("ERROR empty request\n")
        await peer.write("REQUEST_LATEST_POINTS\n")
        await expectPointsLine(await peer.rest())
      } finally {
        peer.destroy()
      }
    })

    it("answers bytes that are not UTF-8 as an unknown request and keeps the connection", async () => {
      const peer = await TcpPeer.connect(server.port)
      try {
        await peer.write(NOT_UTF8)
        expect(await peer.readLine()).toBe("ERROR unknown request (not UTF-8)\n")
        await peer.write("REQUEST_LATEST_POINTS\n")
        await expectPointsLine(await peer.rest())
      } finally {
        peer.destroy()
      }
    })

    it("refuses a line longer than 1024 bytes and closes the connection", async () => {
      expect(await tcpExchange(server.port, `${"A".repeat(2000)}\nREQUEST_LATEST_POINTS\n`)).toBe(
        "ERROR request longer than 1024 bytes\n"
      )
    })

    it("refuses 1025 bytes without a newline at once, without waiting for the rest", async () => {
      // The connection stays open on our side: only the server's refusal and close end the read.
      expect(await tcpExchange(server.port, "B".repeat(1025))).toBe("ERROR request longer than 1024 bytes\n")
    })

    it("treats a line of exactly 1024 bytes as a request (unknown here), not as too long", async () => {
      const line = "C".repeat(1024)
      const peer = await TcpPeer.connect(server.port)
      try {
        await peer.write(`${line}\n`)
        expect(await peer.readLine()).toBe(`ERROR unknown request "${line.slice(0, 64)}"\n`)
        expect(peer.hasEnded).toBe(false)
      } finally {
        peer.destroy()
      }
    })

    it("keeps serving after peers reset their connections mid-request", async () => {
      for (let i = 0; i < 5; i++) {
        const peer = await TcpPeer.connect(server.port)
        await peer.write("REQUEST_LAT")
        peer.socket.resetAndDestroy()
      }
      await expectPointsLine(await tcpExchange(server.port, "REQUEST_LATEST_POINTS\n"))
    })
  })

  backend.describe(`TCP points server on ${backend.name}, timers`, () => {
    const db = backend.use()

    it("closes a connection idle longer than the idle timeout", async () => {
      const server = await startPointsServer({ db: db.layer(), transport: "tcp", idleTimeoutSeconds: 0.5 })
      try {
        const silent = await TcpPeer.connect(server.port)
        const partial = await TcpPeer.connect(server.port)
        await partial.write("REQUEST_LATEST")
        // Neither peer ever closes: without the idle timeout these reads time out and the test fails.
        expect(await silent.rest(10_000)).toBe("")
        expect(await partial.rest(10_000)).toBe("")
        silent.destroy()
        partial.destroy()
      } finally {
        await server.stop()
      }
    })

    it("adds one point a tick, and replies carry the row the database holds", async () => {
      const ticker = manualTicker()
      const server = await startPointsServer({ db: db.layer(), transport: "tcp", ticker: ticker.layer })
      const ask = async () => {
        const match = commaReply(server.user).exec(await tcpExchange(server.port, "REQUEST_LATEST_POINTS\n"))
        expect(match).not.toBeNull()
        return { points: Number(match![1]), stamp: match![2]! }
      }
      try {
        for (const expected of [1, 2, 3]) {
          ticker.tick()
          const reply = await eventually(`tick ${expected}`, async () => {
            const reply = await ask()
            return reply.points === expected - 1 ? undefined : reply
          })
          expect(reply.points).toBe(expected)
          expect(await db.readRow(server.user)).toEqual({ points: expected, stamp: reply.stamp })
        }
      } finally {
        await server.stop()
      }
    })
  })

  backend.describe(`UDP points server on ${backend.name}`, () => {
    const db = backend.use()
    let server: InProcessServer
    beforeAll(async () => {
      server = await startPointsServer({ db: db.layer(), transport: "udp" })
    })
    afterAll(() => server?.stop())

    const expectPointsDatagram = async (reply: Buffer) => {
      const match = commaReply(server.user).exec(reply.toString("utf8"))
      expect(match, reply.toString("latin1")).not.toBeNull()
      expect(match![1]).toBe("0")
      expect(match![2]).toBe((await db.readRow(server.user))?.stamp)
    }

    it("answers one datagram REQUEST_LATEST_POINTS with one datagram carrying the reply line", async () => {
      await expectPointsDatagram(await udpExchange(server.port, "REQUEST_LATEST_POINTS"))
    })

    it("accepts the request with a trailing newline", async () => {
      await expectPointsDatagram(await udpExchange(server.port, "REQUEST_LATEST_POINTS\n"))
    })

    it("answers get_data in seed 001's format", async () => {
      expect((await udpExchange(server.port, "get_data")).toString()).toMatch(pipeReply(server.user))
    })

    it("answers bad datagrams with an error datagram and keeps serving", async () => {
      expect((await udpExchange(server.port, "HELLO")).toString()).toBe(`ERROR unknown request "HELLO"\n`)
      expect((await udpExchange(server.port, NOT_UTF8)).toString()).toBe("ERROR unknown request (not UTF-8)\n")
      expect((await udpExchange(server.port, "D".repeat(2000))).toString()).toBe("ERROR request longer than 1024 bytes\n")
      expect((await udpExchange(server.port, "")).toString()).toBe("ERROR empty request\n")
      await expectPointsDatagram(await udpExchange(server.port, "REQUEST_LATEST_POINTS"))
    })

    it("answers many clients at once", async () => {
      const replies = await Promise.all(Array.from({ length: 50 }, () => udpExchange(server.port, "REQUEST_LATEST_POINTS")))
      for (const reply of replies) expect(reply.toString()).toMatch(commaReply(server.user))
    })
  })
}
