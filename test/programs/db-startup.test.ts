import * as Net from "node:net"
import { afterAll, beforeAll, expect, it } from "vitest"
import { describeMariaDb, MARIADB, useTestDatabase } from "../support/mariadb.js"
import { commaReply, eventually, listeningPort, LOOPBACK, plainLines, tcpExchange, uniqueUser, usePrograms } from "./harness.js"

/**
 * A door in front of MariaDB that counts the connections made through it. While shut, it accepts and drops
 * each one at once (a database still starting up); once opened, it forwards them.
 */
const startDoor = async () => {
  let open = false
  let attempts = 0
  const sockets = new Set<Net.Socket>()
  const server = Net.createServer((client) => {
    attempts++
    sockets.add(client.on("error", () => {}).once("close", () => sockets.delete(client)))
    if (!open) return void client.destroy()
    const upstream = Net.createConnection({ host: MARIADB.host, port: MARIADB.port }).on("error", () => {})
    sockets.add(upstream.once("close", () => sockets.delete(upstream)))
    client.pipe(upstream).pipe(client)
    client.once("close", () => upstream.destroy())
    upstream.once("close", () => client.destroy())
  })
  await new Promise<void>((resolve) => server.listen(0, LOOPBACK, resolve))
  return {
    port: (server.address() as Net.AddressInfo).port,
    attempts: () => attempts,
    open: () => void (open = true),
    close: () => {
      for (const socket of sockets) socket.destroy()
      return new Promise<void>((resolve) => server.close(() => resolve()))
    }
  }
}

const RETRYING = /message="database not ready, retrying"/g

describeMariaDb("server start-up against MariaDB (DB_CONNECT_TIMEOUT)", () => {
  const db = useTestDatabase()
  const start = usePrograms()
  let door: Awaited<ReturnType<typeof startDoor>>
  beforeAll(async () => {
    door = await startDoor()
  })
  afterAll(() => door?.close())

  const serverEnv = (env: Record<string, string>) => ({
    ...db.env(),
    DB_HOST: LOOPBACK,
    DB_PORT: String(door.port),
    SERVER_USER: uniqueUser("db"),
    SERVER_HOST: LOOPBACK,
    SERVER_PORT: "0",
    ...env
  })

  it("waits for a database that comes up late, saying so once, then serves", async () => {
    const before = door.attempts()
    const env = serverEnv({ DB_CONNECT_TIMEOUT: "60" })
    const server = start("server", env)
    await eventually("three tries", async () => door.attempts() - before >= 3 || undefined)
    expect(server.child.exitCode).toBeNull()
    door.open()
    const port = await listeningPort(server)
    expect(await tcpExchange(port, "REQUEST_LATEST_POINTS\n")).toMatch(commaReply(env.SERVER_USER))
    expect(server.stderr().match(RETRYING)).toHaveLength(1)
  }, 60_000)

  it("gives up after DB_CONNECT_TIMEOUT with one line", async () => {
    const shut = await startDoor()
    try {
      const server = start("server", serverEnv({ DB_PORT: String(shut.port), DB_CONNECT_TIMEOUT: "1" }))
      expect(await server.exited).toBe(1)
      expect(shut.attempts()).toBeGreaterThanOrEqual(2) // it retried
      expect(server.stderr().match(RETRYING)).toHaveLength(1)
      const lines = plainLines(server.stderr())
      expect(lines, server.stderr()).toHaveLength(1)
      expect(lines[0]).toMatch(/^error: cannot reach the database: /)
      expect(server.stderr()).not.toContain("points server listening")
    } finally {
      await shut.close()
    }
  }, 60_000)

  // The database answered: waiting would not change the answer, so the server fails on the first try.
  for (
    const [name, env, says] of [
      ["a database name that does not exist", { DB_NAME: "no_such_database_here" }, /Unknown database 'no_such_database_here'/],
      ["a wrong password", { DB_PASS: "not-the-password" }, /Access denied for user/]
    ] as const
  ) {
    it(`fails at once on ${name}`, async () => {
      door.open()
      const before = door.attempts()
      const server = start("server", serverEnv({ ...env, DB_CONNECT_TIMEOUT: "60" }))
      expect(await server.exited).toBe(1)
      expect(server.stderr()).not.toMatch(RETRYING)
      const lines = plainLines(server.stderr())
      expect(lines, server.stderr()).toHaveLength(1)
      expect(lines[0]).toMatch(says)
      expect(door.attempts() - before).toBeLessThanOrEqual(2) // one pool's first connection, not a retry loop
    }, 60_000)
  }
})
