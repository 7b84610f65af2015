import { afterAll, beforeAll, expect, it } from "vitest"
import { describeMariaDb, MARIADB, useTestDatabase } from "../support/mariadb.js"
import { type Proxy, startProxy } from "../support/proxy.js"
import { stopWith } from "../support/processes.js"
import { listeningPort, tcpExchange, uniqueUser, usePrograms } from "./harness.js"

/** Ticks whose point reached the database, as the server logs them. */
const writtenTicks = (log: string) =>
  [...log.matchAll(/message="(?:point added|points added, outage caught up)".* tick=(\d+)/g)].map((m) => Number(m[1]))

describeMariaDb("a database outage under a running server", () => {
  const db = useTestDatabase()
  const start = usePrograms()
  let proxy: Proxy
  beforeAll(async () => {
    proxy = await startProxy({ host: MARIADB.host, port: MARIADB.port })
  })
  afterAll(async () => {
    await proxy.close()
  })

  it("is survived: requests are answered from the server's state meanwhile, and no point is lost", async () => {
    const user = uniqueUser("outage")
    const server = start("server", {
      ...db.env(),
      DB_PORT: String(proxy.port),
      SERVER_USER: user,
      SERVER_HOST: "127.0.0.1",
      SERVER_PORT: "0",
      UPDATE_INTERVAL: "0.25"
    })
    const port = await listeningPort(server)
    await server.waitFor(/message="point added".* tick=2/)

    await proxy.cut()
    await server.waitFor(/message="point not added yet[^"]*".* owed=2\b/)
    // The server answers from its own state, not the database (H2 makes it count the owed points too).
    expect(await tcpExchange(port, "REQUEST_LATEST_POINTS\n")).toMatch(new RegExp(`^User: ${user}, Points: \\d+, `))
    await proxy.restore()

    await server.waitFor(/message="points added, outage caught up"/)
    const caughtUp = Number(/message="points added, outage caught up".* points=(\d+)/.exec(server.stderr())![1])
    expect(caughtUp).toBeGreaterThanOrEqual(2)
    expect(await tcpExchange(port, "REQUEST_LATEST_POINTS\n")).toMatch(new RegExp(`^User: ${user}, Points: \\d+, `))

    const { code } = await stopWith(server)
    expect(code).toBe(0)
    // One point per tick, the outage's included. (A stop can fall between a write and its log line: +1.)
    const lastTick = Math.max(...writtenTicks(server.stderr()))
    const row = await db.readRow(user)
    expect(row?.points).toBeGreaterThanOrEqual(lastTick)
    expect(row?.points).toBeLessThanOrEqual(lastTick + 1)
  })
})
