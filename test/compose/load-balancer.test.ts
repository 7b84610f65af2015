import { Effect, Either, Logger } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { serverService } from "../../scripts/compose-layouts.js"
import { BOUNDS, nginxConf } from "../../scripts/lb/Nginx.js"
import { askPointsWithRetry, type PointsTarget } from "../../src/clients/PointsClient.js"
import { Transport } from "../../src/layers/Transport.js"
import type { Roster, RosterEntry } from "../../src/schema/Roster.js"
import { eventually, listeningPort, LOOPBACK, pipeReply, TcpPeer, uniqueUser, usePrograms } from "../programs/harness.js"
import { useDnsStandIn } from "../support/dns.js"
import { expectExactlyOnce, readLedger } from "../support/ledger.js"
import { mariadbAvailable, useTestDatabase } from "../support/mariadb.js"
import { requestsServed } from "../support/metrics.js"
import { healthOf, NGINX, nginxAvailable, useNginx, userIdsOf } from "../support/nginx.js"
import { canBind, freePort, type Running, stopWith } from "../support/processes.js"

/**
 * The load balancer compose runs (lb/<roster>.conf, from scripts/lb/Nginx.ts), for real: Debian's nginx,
 * unprivileged, on loopback, in front of real `server` replicas of one user on MariaDB, on TCP and on UDP.
 *
 * How "the set of replicas" is expressed: exactly as under compose. There, each replica is a container with an
 * address of its own on the user's port, and Docker's DNS answers `server-<user>` with every running replica's
 * address; nginx asks again every BOUNDS.resolveValid seconds. Here each replica listens on an address of its
 * own in 127.0.0.0/8 (127.0.0.2, .3, …) on one port, and a DNS stand-in on loopback answers `server-<user>`
 * with the addresses the test sets, as Docker does when a container starts or stops. The config is the same
 * function's output as the committed one, with the test's resolver, ports and pid file; nginx is never
 * reloaded or restarted.
 */

const INTERVAL_MS = 1000
/** A retrying client, as ours retries, for longer in all than BOUNDS.resolveValid (a dead replica's window). */
const POLICY = { tries: 6, initialDelay: "200 millis", maxDelay: "1 second" } as const

interface Replica {
  readonly host: string
  readonly program: Running
  readonly metricsPort: number
}

const servedBy = (replica: Replica, transport: string) => requestsServed(replica.host, replica.metricsPort, transport)

for (const transport of ["tcp", "udp"] as const) {
  describe.skipIf(!nginxAvailable || !mariadbAvailable)(`nginx as compose runs it, in front of one ${transport} user's replicas`, () => {
    const db = useTestDatabase()
    const start = usePrograms("afterAll")
    const startNginx = useNginx()
    const dns = useDnsStandIn()
    const user = uniqueUser(`lb${transport}`)
    let entry: RosterEntry
    let target: PointsTarget
    let nginx: Running
    const replicas: Array<Replica> = []
    let healthPort = 0
    let allUp = 0
    let retries = 0

    /** Replica n (0, 1, …) at 127.0.0.<n + 2>, on the user's port, with its own /metrics. */
    const startReplica = async (n: number): Promise<Replica> => {
      const host = `127.0.0.${n + 2}`
      const program = start("server", {
        ...db.env(),
        SERVER_USER: user,
        SERVER_HOST: host,
        SERVER_PORT: String(entry.port),
        TRANSPORT: transport,
        UPDATE_INTERVAL: String(INTERVAL_MS / 1000),
        REFRESH_INTERVAL: "0.25",
        METRICS_PORT: "0"
      })
      await listeningPort(program)
      const metricsPort = Number(/message="metrics listening".* port=(\d+)/.exec(program.stdout() + program.stderr())![1])
      return { host, program, metricsPort }
    }
    const alive = () => replicas.filter((r) => r.program.child.exitCode === null && r.program.child.signalCode === null)
    /** What Docker's DNS does as containers start and stop: the name resolves to the running replicas. */
    const publishReplicas = () => dns.set(serverService(entry), alive().map((r) => r.host))
    const counts = () => Promise.all(replicas.map((r) => (alive().includes(r) ? servedBy(r, transport) : Promise.resolve(-1))))

    /** One request through nginx with our client's retries; warnings ("no answer", one per retry) are counted. */
    const ask = () =>
      Effect.runPromise(
        askPointsWithRetry(target, POLICY).pipe(
          Effect.either,
          Effect.provide(Transport.layer),
          Effect.provide(Logger.replace(Logger.defaultLogger, Logger.make(() => void retries++)))
        )
      )
    const askMany = async (n: number, concurrency: number) => {
      const failures: Array<string> = []
      let next = 0
      await Promise.all(Array.from({ length: concurrency }, async () => {
        while (next++ < n) {
          const answer = await ask()
          if (Either.isLeft(answer)) failures.push(answer.left.message)
          else if (answer.right.reply.user !== user) failures.push(`another user's reply: ${answer.right.line}`)
        }
      }))
      return failures
    }
    /** Requests without pause from `workers` clients until stopped. */
    const startLoad = (workers: number) => {
      let stopped = false
      let answered = 0
      const failures: Array<string> = []
      const loops = Array.from({ length: workers }, async () => {
        while (!stopped) {
          const answer = await ask()
          if (Either.isLeft(answer)) failures.push(answer.left.message)
          else answered++
        }
      })
      return {
        answered: () => answered,
        stop: async () => {
          stopped = true
          await Promise.all(loops)
          return { answered, failures }
        }
      }
    }
    const waitForAnswers = (load: { answered(): number }, more: number) => {
      const goal = load.answered() + more
      return eventually(`${goal} requests answered`, async () => (load.answered() >= goal ? true : undefined), 60_000)
    }

    beforeAll(async () => {
      let port = await freePort()
      while (!(await canBind("udp", port))) port = await freePort()
      entry = { user, transport, port, dialect: "REQUEST_LATEST_POINTS" }
      const roster: Roster = { name: "lbtest", description: "the load balancer test's one user", servers: [entry] }
      const listenPort = await freePort()
      healthPort = await freePort()
      target = { host: LOOPBACK, port: listenPort, transport, dialect: "REQUEST_LATEST_POINTS", timeout: "3 seconds" }
      replicas.push(...(await Promise.all([0, 1, 2].map(startReplica))))
      allUp = Date.now()
      publishReplicas()
      nginx = await startNginx((dir) =>
        nginxConf(roster, {
          source: "test/compose/load-balancer.test.ts",
          listenHost: LOOPBACK,
          listenPort: () => listenPort,
          healthPort,
          replicas: { _tag: "Dns", resolver: `127.0.0.1:${dns.port}`, replicaAt: (e) => ({ host: serverService(e), port: e.port }) },
          pidFile: `${dir}/nginx.pid`,
          streamModule: { _tag: "File", path: NGINX.streamModule }
        }), healthPort)
    }, 60_000)

    afterAll(() => console.log(`load balancer (${transport}): ${retries} retries in all`))

    it("runs unprivileged, master and workers, and its health listener answers ok", async () => {
      const users = userIdsOf(nginx.child.pid!)
      expect(users.length).toBeGreaterThan(1) // a master and its workers
      for (const uid of users) expect(uid).not.toBe(0)
      expect(await healthOf(healthPort)).toBe("ok\n")
    })

    it("spreads requests over all three replicas (each replica's own count, from its /metrics)", async () => {
      const before = await counts()
      expect(await askMany(90, 3)).toEqual([])
      const after = await counts()
      const served = after.map((n, i) => n - before[i]!)
      console.log(`load balancer (${transport}): 90 requests served ${served.join(" / ")}`)
      for (const n of served) expect(n).toBeGreaterThan(0)
      // Every request was answered once, by one replica: nothing was lost on the way and retried.
      expect(served.reduce((a, b) => a + b)).toBe(90)
    }, 60_000)

    it(`SIGKILL of one replica under load: no request fails for a retrying client${transport === "tcp" ? "; a persistent connection on it is closed and a reconnect is served" : ""}`, async () => {
      let victim = replicas[0]!
      let persistent: TcpPeer | undefined
      if (transport === "tcp") {
        // Seed 001's long-lived client: get_data on one connection. The replica whose count moves holds it.
        const before = await counts()
        persistent = await TcpPeer.connect(target.port)
        await persistent.write("get_data")
        expect(await persistent.readPipeReply()).toMatch(pipeReply(user))
        const after = await counts()
        victim = replicas[after.findIndex((n, i) => n > before[i]!)]!
      }
      const survivors = replicas.filter((r) => r !== victim)
      const before = await Promise.all(survivors.map((r) => servedBy(r, transport)))
      const load = startLoad(6)
      await waitForAnswers(load, 30)
      victim.program.kill("SIGKILL")
      expect(await victim.program.exited).toBe("SIGKILL")
      publishReplicas()
      if (persistent !== undefined) {
        await persistent.closed
        const again = await TcpPeer.connect(target.port)
        await again.write("get_data")
        expect(await again.readPipeReply()).toMatch(pipeReply(user))
        again.destroy()
      }
      await waitForAnswers(load, 150)
      const { answered, failures } = await load.stop()
      expect(failures).toEqual([])
      const after = await Promise.all(survivors.map((r) => servedBy(r, transport)))
      console.log(`load balancer (${transport}): ${answered} requests answered under load, a replica killed among them`)
      for (const [i, n] of after.entries()) expect(n).toBeGreaterThan(before[i]!)
    }, 120_000)

    it(`a fourth replica gets traffic once Docker's DNS lists it, with nginx never restarted${transport === "tcp" ? " and an open connection kept" : ""}`, async () => {
      const persistent = transport === "tcp" ? await TcpPeer.connect(target.port) : undefined
      if (persistent !== undefined) {
        await persistent.write("get_data")
        expect(await persistent.readPipeReply()).toMatch(pipeReply(user))
      }
      const fourth = await startReplica(3)
      replicas.push(fourth)
      publishReplicas()
      await eventually("the fourth replica to be given requests", async () => {
        expect(await askMany(10, 2)).toEqual([])
        return (await servedBy(fourth, transport)) > 0 || undefined
      }, 30_000)
      // The same nginx all along: never exited, never signalled to reload.
      expect(nginx.child.exitCode).toBeNull()
      expect(nginx.stderr()).not.toMatch(/signal \d+ \(SIG\w+\) received|reconfiguring/)
      if (persistent !== undefined) {
        await persistent.write("get_data")
        expect(await persistent.readPipeReply()).toMatch(pipeReply(user))
        persistent.destroy()
      }
    }, 60_000)

    it(`SIGQUIT (docker compose stop): nginx exits 0, ${transport === "tcp" ? `closing a connection still open after ${BOUNDS.shutdown} s` : "at once"}`, async () => {
      const persistent = transport === "tcp" ? await TcpPeer.connect(target.port) : undefined
      if (persistent !== undefined) {
        await persistent.write("get_data")
        expect(await persistent.readPipeReply()).toMatch(pipeReply(user))
      }
      const { code } = await stopWith(nginx, "SIGQUIT")
      expect(code, nginx.stderr()).toBe(0)
      if (persistent !== undefined) {
        expect(persistent.hasEnded).toBe(true)
        persistent.destroy()
      }
    }, 30_000)

    it("the replicas stop with exit 0, and the row holds exactly one point per interval elapsed", async () => {
      const stopSent = Date.now()
      const codes = await Promise.all(alive().map((r) => stopWith(r.program).then((result) => result.code)))
      expect(codes).toEqual([0, 0, 0])
      expectExactlyOnce(await readLedger(db, user), { allUp, stopSent }, { intervalMs: INTERVAL_MS })
    }, 60_000)
  })
}
