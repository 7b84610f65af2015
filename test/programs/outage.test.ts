import { expect, it } from "vitest"
import { describeMariaDb, useTestDatabase } from "../support/mariadb.js"
import { useMariaDbProxy } from "../support/proxy.js"
import { stopWith } from "../support/processes.js"
import { commaReply, eventually, listeningPort, stampAsUtc, tcpExchange, uniqueUser, usePrograms } from "./harness.js"

const INTERVAL_MS = 1_000

/** The owed count and slot of the server's latest "point not added yet" warning. */
const lastOwed = (log: string) => {
  const last = log.split("\n").filter((line) => line.includes('message="point not added yet')).at(-1)
  return last ? { owed: Number(/ owed=(\d+)/.exec(last)![1]), slot: Number(/ slot=(\d+)/.exec(last)![1]) } : undefined
}

describeMariaDb("a database outage under a running server", () => {
  const db = useTestDatabase()
  const start = usePrograms()
  const proxy = useMariaDbProxy()

  it("is survived: the server answers exactly (row + owed points) meanwhile, and claims exactly the missed slots after", async () => {
    const user = uniqueUser("outage")
    const server = start("server", {
      ...db.env(),
      DB_PORT: String(proxy.port),
      SERVER_USER: user,
      SERVER_HOST: "127.0.0.1",
      SERVER_PORT: "0",
      UPDATE_INTERVAL: String(INTERVAL_MS / 1000),
      REFRESH_INTERVAL: "0.25"
    })
    const port = await listeningPort(server)
    await eventually("two points written", async () => (((await db.readRow(user))?.points ?? 0) >= 2 ? true : undefined), 30_000)

    await proxy.cut()
    await server.waitFor(/message="point not added yet[^"]*".* owed=2\b/, 30_000)
    // Nothing reaches the database now; what it holds is what was written before the cut.
    const before = (await db.readRow(user))!
    const ledger = async () =>
      (await db.query<{ slot: number }>("SELECT slot FROM point_ticks WHERE user = ? ORDER BY slot", [user])).map((r) => Number(r.slot))
    const claimed = await ledger()
    // Ask between two ticks (a tick landing during the exchange would make the expected count ambiguous).
    const answer = await eventually("an answer between two ticks", async () => {
      const seen = lastOwed(server.stderr())!
      const match = commaReply(user).exec(await tcpExchange(port, "REQUEST_LATEST_POINTS\n"))
      expect(match).not.toBeNull()
      return lastOwed(server.stderr())!.owed === seen.owed ? { ...seen, points: Number(match![1]), stamp: match![2]! } : undefined
    }, 30_000)
    // Exact: every slot claimed, plus every owed one. A commit cut in flight can be both (it landed, but its
    // answer was lost, so the server owes it too, and its later claim is a no-op): count that slot once.
    const owedSlots = Array.from({ length: answer.owed }, (_, i) => answer.slot - answer.owed + 1 + i)
    expect(before.points).toBe(claimed.length)
    expect(answer.points).toBe(new Set([...claimed, ...owedSlots]).size)
    // Last Update is the last owed tick's time: at or after its slot's start, later than the row's stamp.
    expect(stampAsUtc(answer.stamp)).toBeGreaterThanOrEqual(Math.floor((answer.slot * INTERVAL_MS) / 1000) * 1000)
    expect(answer.stamp > before.stamp).toBe(true)

    await proxy.restore()
    await server.waitFor(/message="points added, outage caught up"/, 30_000)
    const { code } = await stopWith(server)
    expect(code).toBe(0)

    // Exactly one point per slot, the outage's included: the ledger has every slot from the first to the last.
    const slots = await ledger()
    expect(slots).toEqual(slots.map((_, i) => slots[0]! + i))
    expect(slots).toContain(answer.slot)
    expect((await db.readRow(user))!.points).toBe(slots.length)
  }, 120_000)
})
