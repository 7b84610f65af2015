import { describe, expect, it } from "vitest"
import { describeMariaDb, useTestDatabase } from "../support/mariadb.js"
import { useMariaDbProxy } from "../support/proxy.js"
import { expectExactlyOnce as expectExactlyOnceIn, type Ledger, readLedger, waitForSlots } from "../support/ledger.js"
import { type Running, stopWith } from "../support/processes.js"
import { listeningPort, LOOPBACK, tcpExchange, type TestBackend, uniqueUser, useEmbeddedDb, usePrograms } from "./harness.js"

/**
 * Several `server` processes for one user on one database (as `docker compose --scale` or Kubernetes
 * replicas run them) add exactly one point per interval in total. The counts are exact, read from the
 * ledger: every slot from the first claimed to the last is claimed exactly once, none is missing while a
 * replica was up, and the row holds exactly one POINTS_PER_TICK per slot.
 */

const INTERVAL_MS = 500
const expectExactlyOnce = (ledger: Ledger, window: { allUp: number; stopSent: number }, pointsPerTick = 1) =>
  expectExactlyOnceIn(ledger, window, { intervalMs: INTERVAL_MS, pointsPerTick })

const serverEnv = (db: TestBackend, user: string, extra: Record<string, string> = {}) => ({
  ...db.env(),
  SERVER_USER: user,
  SERVER_HOST: LOOPBACK,
  SERVER_PORT: "0",
  UPDATE_INTERVAL: String(INTERVAL_MS / 1000),
  REFRESH_INTERVAL: "0.25",
  ...extra
})

const stopAll = async (servers: ReadonlyArray<Running>) => {
  const stopSent = Date.now()
  const codes = await Promise.all(servers.map((server) => stopWith(server).then((r) => r.code)))
  return { stopSent, codes }
}

/**
 * The scenarios every backend runs: replicas side by side, one SIGKILLed mid-run, two started at the same
 * instant. `use` registers a database of the block's own, so the last block starts on an empty one.
 */
const replicaScenarios = (use: () => TestBackend) => {
  describe("side by side", () => {
    const db = use()
    const start = usePrograms()

    it("three replicas add exactly one point per interval in total (10 points each: POINTS_PER_TICK)", async () => {
      const user = uniqueUser("replicas")
      const servers = [1, 2, 3].map(() => start("server", serverEnv(db, user, { POINTS_PER_TICK: "10" })))
      await Promise.all(servers.map(listeningPort))
      const allUp = Date.now()
      await waitForSlots(db, user, 8)
      const { codes, stopSent } = await stopAll(servers)
      expect(codes).toEqual([0, 0, 0])
      expectExactlyOnce(await readLedger(db, user), { allUp, stopSent }, 10)
    }, 120_000)

    it("one replica SIGKILLed mid-run: the others go on, still exactly one point per interval", async () => {
      const user = uniqueUser("killed")
      const servers = [1, 2, 3].map(() => start("server", serverEnv(db, user)))
      await Promise.all(servers.map(listeningPort))
      const allUp = Date.now()
      await waitForSlots(db, user, 4)
      servers[0]!.kill("SIGKILL")
      expect(await servers[0]!.exited).toBe("SIGKILL")
      await waitForSlots(db, user, 4)
      const { codes, stopSent } = await stopAll(servers.slice(1))
      expect(codes).toEqual([0, 0])
      expectExactlyOnce(await readLedger(db, user), { allUp, stopSent })
    }, 120_000)
  })

  describe("started at the same instant", () => {
    const db = use()
    const start = usePrograms()

    it("two replicas started together on an empty database (both migrating) count each interval once", async () => {
      const user = uniqueUser("twins")
      const servers = [1, 2].map(() => start("server", serverEnv(db, user)))
      await Promise.all(servers.map(listeningPort))
      const allUp = Date.now()
      await waitForSlots(db, user, 6)
      const { codes, stopSent } = await stopAll(servers)
      expect(codes).toEqual([0, 0])
      expectExactlyOnce(await readLedger(db, user), { allUp, stopSent })
    }, 120_000)
  })
}

describeMariaDb("replicas of one user on one MariaDB", () => replicaScenarios(useTestDatabase))

describe("replicas of one user on one SQLite file (several processes)", () => replicaScenarios(useEmbeddedDb))

describeMariaDb("replicas through a database outage (a proxy cut in the middle)", () => {
  const db = useTestDatabase()
  const start = usePrograms()
  const proxy = useMariaDbProxy()

  it("three replicas owe the cut's slots, answer meanwhile, and claim each exactly once when it is back", async () => {
    const user = uniqueUser("cut")
    const servers = [1, 2, 3].map(() => start("server", serverEnv(db, user, { DB_PORT: String(proxy.port) })))
    const ports = await Promise.all(servers.map(listeningPort))
    const allUp = Date.now()
    await waitForSlots(db, user, 3)
    await proxy.cut()
    const before = (await db.readRow(user))!.points
    await Promise.all(servers.map((server) => server.waitFor(/message="point not added yet[^"]*".* owed=3\b/, 30_000)))
    // Every replica still answers, from its state: the row it knew plus the slots it owes.
    for (const port of ports) {
      const points = Number(/Points: (\d+),/.exec(await tcpExchange(port, "REQUEST_LATEST_POINTS\n"))![1])
      expect(points).toBeGreaterThanOrEqual(before + 3)
    }
    expect((await db.readRow(user))!.points).toBe(before)
    await proxy.restore()
    await waitForSlots(db, user, 6)
    const { codes, stopSent } = await stopAll(servers)
    expect(codes).toEqual([0, 0, 0])
    expectExactlyOnce(await readLedger(db, user), { allUp, stopSent })
  }, 120_000)
})
