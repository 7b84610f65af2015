import * as Net from "node:net"
import { describe, expect, it } from "vitest"
import { freePort, unusedPort } from "../support/processes.js"
import {
  commaReply,
  eventually,
  type InProcessServer,
  listeningPort,
  LOOPBACK,
  pipeReply,
  plainLines,
  startPointsServer,
  tcpExchange,
  uniqueUser,
  useEmbeddedDb,
  usePrograms
} from "./harness.js"

/** The `client` program as a user runs it, against real servers on loopback. */

const count = (text: string, pattern: RegExp) => text.match(new RegExp(pattern, `${pattern.flags}g`))?.length ?? 0
const NO_ANSWER = /message="no answer"/

// Every test has its own ports and users, so they run side by side (programs take ~1 s to load).
describe.concurrent("client program", () => {
  const db = useEmbeddedDb()
  const start = usePrograms("afterAll")

  const withServer = async <A>(
    transport: "tcp" | "udp",
    f: (server: InProcessServer) => Promise<A>,
    at: { port?: number; user?: string } = {}
  ) => {
    const server = await startPointsServer({ db: db.layer(), transport, ...at })
    try {
      return await f(server)
    } finally {
      await server.stop()
    }
  }

  it("asks once, prints the reply line and exits 0", async () => {
    await withServer("tcp", async (server) => {
      const client = start("client", { TARGET_HOST: LOOPBACK, TARGET_PORT: String(server.port) })
      expect(await client.exited).toBe(0)
      expect(`${client.stdout()}`).toMatch(commaReply(server.user))
      expect(client.stdout().split("\n")).toHaveLength(2)
    })
  })

  it("prints seed 000's `Latest points: <n>` with --output points, the points the server holds", async () => {
    await withServer("tcp", async (server) => {
      const line = await tcpExchange(server.port, "REQUEST_LATEST_POINTS\n")
      const points = /Points: (\d+)/.exec(line)?.[1]
      const client = start("client", { TARGET_HOST: LOOPBACK, TARGET_PORT: String(server.port) }, ["--output", "points"])
      expect(await client.exited).toBe(0)
      expect(client.stdout()).toBe(`Latest points: ${points}\n`)
    })
  })

  it("speaks seed 001's dialect with CLIENT_DIALECT=get_data", async () => {
    await withServer("tcp", async (server) => {
      const client = start("client", { TARGET_HOST: LOOPBACK, TARGET_PORT: String(server.port), CLIENT_DIALECT: "get_data" })
      expect(await client.exited).toBe(0)
      expect(client.stdout().replace(/\n$/, "")).toMatch(pipeReply(server.user))
    })
  })

  it("retries until a server that starts late comes up, then prints the reply and exits 0", async () => {
    const port = await freePort()
    const user = uniqueUser("late")
    const client = start("client", {
      TARGET_HOST: LOOPBACK,
      TARGET_PORT: String(port),
      CLIENT_TRIES: "60",
      CLIENT_RETRY_DELAY: "0.2",
      CLIENT_RETRY_MAX_DELAY: "0.5"
    })
    // The client has tried and failed, and tried again, before the server even starts.
    await client.waitFor(new RegExp(`(${NO_ANSWER.source}[\\s\\S]*){2}`))
    expect(client.child.exitCode).toBeNull()
    const server = start("server", { ...db.env(), SERVER_USER: user, SERVER_HOST: LOOPBACK, SERVER_PORT: String(port) })
    expect(await client.exited).toBe(0)
    expect(client.stdout()).toMatch(commaReply(user))
    expect(count(client.stderr(), NO_ANSWER)).toBeGreaterThanOrEqual(2)
    server.kill("SIGTERM")
    expect(await server.exited).toBe(0)
  })

  it("gives up after CLIENT_TRIES when nothing listens: non-zero exit and one clear line", async () => {
    const port = await unusedPort()
    const client = start("client", {
      TARGET_HOST: LOOPBACK,
      TARGET_PORT: String(port),
      CLIENT_TRIES: "3",
      CLIENT_RETRY_DELAY: "0.1"
    })
    expect(await client.exited).not.toBe(0)
    expect(client.stdout()).toBe("")
    const lines = plainLines(client.stderr())
    expect(lines, client.stderr()).toHaveLength(1)
    expect(lines[0]).toMatch(new RegExp(`${LOOPBACK}:${port}.*gave up after 3 tries.*ECONNREFUSED`))
    expect(count(client.stderr(), NO_ANSWER)).toBe(3)
  })

  it("gives up on a server that accepts but never answers, within CLIENT_TIMEOUT per try", async () => {
    const silent = Net.createServer(() => {})
    await new Promise<void>((resolve) => silent.listen(0, LOOPBACK, resolve))
    const sockets = new Set<Net.Socket>()
    silent.on("connection", (socket) => sockets.add(socket))
    try {
      const port = (silent.address() as Net.AddressInfo).port
      const client = start("client", {
        TARGET_HOST: LOOPBACK,
        TARGET_PORT: String(port),
        CLIENT_TRIES: "2",
        CLIENT_RETRY_DELAY: "0.1",
        CLIENT_TIMEOUT: "0.5"
      })
      expect(await client.exited).not.toBe(0)
      const lines = plainLines(client.stderr())
      expect(lines).toHaveLength(1)
      expect(lines[0]).toMatch(/gave up after 2 tries: no reply within/)
    } finally {
      for (const socket of sockets) socket.destroy()
      await new Promise<void>((resolve) => silent.close(() => resolve()))
    }
  })

  describe("when the server answers with an error", () => {
    // The server has lost its row (a restore, a wrong DB_NAME): it answers ERROR, and the client says so.
    const withoutRow = async (dialect: string) =>
      withServer("tcp", async (server) => {
        await db.query("DELETE FROM scores WHERE user = ?", [server.user])
        // The server answers from its state, which learns of the deletion within REFRESH_INTERVAL.
        await eventually("the server to miss its row", async () =>
          (await tcpExchange(server.port, "REQUEST_LATEST_POINTS\n")).startsWith("ERROR") ? true : undefined)
        const client = start("client", {
          TARGET_HOST: LOOPBACK,
          TARGET_PORT: String(server.port),
          CLIENT_DIALECT: dialect,
          CLIENT_TRIES: "1",
          CLIENT_TIMEOUT: "2"
        })
        expect(await client.exited).not.toBe(0)
        expect(client.stdout()).toBe("")
        const lines = plainLines(client.stderr())
        expect(lines).toHaveLength(1)
        expect(lines[0]).toMatch(new RegExp(`the server answered: ERROR no points row for ${server.user}`))
      })

    it("in seed 002's dialect", () => withoutRow("REQUEST_LATEST_POINTS"))

    // In seed 001's dialect the error reply has no terminator and the connection stays open: the client must
    // recognise it as a refusal, not wait out CLIENT_TIMEOUT and report "no reply".
    it("in seed 001's dialect", () => withoutRow("get_data"))
  })

  it("polls every POLL_INTERVAL, reaches a restarted server again, and exits 0 on SIGTERM", async () => {
    const port = await freePort()
    const user = uniqueUser("poll")
    const client = start("client", {
      TARGET_HOST: LOOPBACK,
      TARGET_PORT: String(port),
      POLL_INTERVAL: "0.2",
      CLIENT_TRIES: "100",
      CLIENT_RETRY_DELAY: "0.1",
      CLIENT_RETRY_MAX_DELAY: "0.2"
    })
    const replies = () => count(client.stdout(), new RegExp(`^User: ${user}, `, "m"))
    await withServer("tcp", async () => {
      await client.waitFor(/(User: .*\n){3}/)
    }, { port, user })
    const before = replies()
    expect(before).toBeGreaterThanOrEqual(3)
    // The server is gone: the client keeps trying rather than exiting...
    await client.waitFor(NO_ANSWER)
    expect(client.child.exitCode).toBeNull()
    // ...and answers flow again once it is back on the same port.
    await withServer("tcp", async () => {
      await client.waitFor(new RegExp(`(User: ${user}, .*\\n){${before + 2}}`))
    }, { port, user })
    client.kill("SIGTERM")
    expect(await client.exited).toBe(0)
  }, 40_000)

  it("asks a UDP server with TRANSPORT=udp", async () => {
    await withServer("udp", async (server) => {
      const client = start("client", { TARGET_HOST: LOOPBACK, TARGET_PORT: String(server.port), TRANSPORT: "udp" })
      expect(await client.exited).toBe(0)
      expect(client.stdout()).toMatch(commaReply(server.user))
    })
  })

  it("UDP round trip between the server and client programs", async () => {
    const user = uniqueUser("udp")
    const server = start("server", { ...db.env(), SERVER_USER: user, SERVER_HOST: LOOPBACK, SERVER_PORT: "0", TRANSPORT: "udp" })
    const port = await listeningPort(server)
    const client = start("client", { TARGET_HOST: LOOPBACK, TARGET_PORT: String(port), TRANSPORT: "udp" })
    expect(await client.exited).toBe(0)
    expect(client.stdout()).toMatch(commaReply(user))
    server.kill("SIGTERM")
    expect(await server.exited).toBe(0)
  })

  it("TCP round trip between the server and client programs", async () => {
    const user = uniqueUser("tcp")
    const server = start("server", { ...db.env(), SERVER_USER: user, SERVER_HOST: LOOPBACK, SERVER_PORT: "0" })
    const port = await listeningPort(server)
    const client = start("client", { TARGET_HOST: LOOPBACK, TARGET_PORT: String(port) })
    expect(await client.exited).toBe(0)
    expect(client.stdout()).toMatch(commaReply(user))
    server.kill("SIGTERM")
    expect(await server.exited).toBe(0)
  })
})
