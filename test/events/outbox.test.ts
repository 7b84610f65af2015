import { it as effectIt } from "@effect/vitest"
import { Effect, Layer, Logger, LogLevel, TestClock } from "effect"
import { afterEach, expect, it } from "vitest"
import { Broker, type OutgoingMessage } from "../../src/layers/Broker.js"
import { Db } from "../../src/layers/Db.js"
import { Metrics } from "../../src/layers/Metrics.js"
import { publishOwedEvents } from "../../src/servers/EventOutbox.js"
import { eventually, httpPortOf, listeningPort, uniqueUser, usePrograms } from "../programs/harness.js"
import { describeMariaDb, useTestDatabase } from "../support/mariadb.js"
import { stopWith } from "../support/processes.js"
import { startProxy } from "../support/proxy.js"
import { consume, describeRabbitMq, exchangeName, RABBITMQ_URL, viaPort } from "../support/rabbitmq.js"

/** Point-change events on the real RabbitMQ, from spawned servers on the real MariaDB (docs/EVENTS.md). */


describeRabbitMq("events", () => {
  describeMariaDb("from servers on MariaDB", () => {
    const db = useTestDatabase()
    const start = usePrograms()
    const closers: Array<() => Promise<void>> = []
    afterEach(async () => {
      for (const close of closers.splice(0)) await close()
    })

    const ledger = async (user: string) =>
      (await db.query<{ slot: number; points: number; total: number }>("SELECT slot, points, total FROM point_ticks WHERE user = ? ORDER BY slot", [user]))
        .map((row) => ({ slot: Number(row.slot), points: Number(row.points), total: Number(row.total) }))
    const server = (user: string, brokerUrl: string, exchange: string) =>
      start("server", { ...db.env(), SERVER_USER: user, SERVER_HOST: "127.0.0.1", SERVER_PORT: "0", UPDATE_INTERVAL: "1", REFRESH_INTERVAL: "0.25", BROKER_URL: brokerUrl, BROKER_EXCHANGE: exchange })
    const consumer = async (exchange: string) => {
      const c = await consume(exchange)
      closers.push(c.close)
      return c
    }
    /** Every slot the ledger holds for `user` has reached the consumer (as many times as it likes). */
    const allDelivered = (user: string, received: ReadonlyArray<{ messageId: string }>) =>
      eventually("every claimed slot's event", async () => {
        const slots = (await ledger(user)).map((row) => `${user}:${row.slot}`)
        const ids = new Set(received.map((m) => m.messageId))
        return slots.length > 0 && slots.every((id) => ids.has(id)) ? slots : undefined
      }, 30_000)

    it("every claimed interval is one event: the body, routing key, id and properties the issue names", async () => {
      const exchange = exchangeName()
      const { received } = await consumer(exchange)
      const user = uniqueUser("ev")
      const running = server(user, RABBITMQ_URL, exchange)
      await listeningPort(running)
      await eventually("three events", async () => (received.length >= 3 ? true : undefined), 20_000)
      await stopWith(running)
      const rows = await ledger(user)
      await allDelivered(user, received)
      for (const message of received) {
        expect(Object.keys(message.body).sort()).toEqual(["points", "recorded_at", "slot", "total", "user"])
        expect(message.routingKey).toBe(`points.${user}`)
        expect(message.messageId).toBe(`${user}:${message.body.slot}`)
        expect(message.contentType).toBe("application/json")
        expect(message.persistent).toBe(true)
        const row = rows.find((r) => r.slot === message.body.slot)!
        expect(message.body).toMatchObject({ user, points: 1, total: row.total })
        expect(message.body.recorded_at).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/)
      }
      // The totals are the row's points after each interval: 1, 2, 3…
      expect(rows.map((r) => r.total)).toEqual(rows.map((_, i) => i + 1))
      expect(await db.query("SELECT 1 FROM point_ticks WHERE user = ? AND event_owed = 1", [user])).toHaveLength(0)
    }, 60_000)

    it("a broker cut for a while loses nothing: every interval of the cut is published after, in slot order", async () => {
      const exchange = exchangeName()
      const { received } = await consumer(exchange)
      const proxy = await startProxy({ host: "127.0.0.1", port: 5672 })
      closers.push(() => proxy.close())
      const user = uniqueUser("cut")
      const running = server(user, viaPort(proxy.port), exchange)
      await listeningPort(running)
      await eventually("two events", async () => (received.length >= 2 ? true : undefined), 20_000)
      await proxy.cut()
      const before = received.length
      await running.waitFor(/events not published yet/, 20_000)
      await new Promise((resolve) => setTimeout(resolve, 3_000)) // three more intervals, owed
      expect(received.length).toBe(before)
      const owedDuringCut = await db.query("SELECT slot FROM point_ticks WHERE user = ? AND event_owed = 1", [user])
      expect(owedDuringCut.length).toBeGreaterThanOrEqual(2)
      await proxy.restore()
      await running.waitFor(/events flowing/, 30_000)
      await stopWith(running)
      await allDelivered(user, received)
      const firsts = [...new Map(received.map((m) => [m.messageId, m.body.slot as number])).values()]
      expect(firsts).toEqual([...firsts].sort((a, b) => a - b))
    }, 90_000)

    it("a server SIGKILLed between its commits and the broker's confirms: its events are published by the next replica", async () => {
      const exchange = exchangeName()
      const { received } = await consumer(exchange)
      const proxy = await startProxy({ host: "127.0.0.1", port: 5672 })
      closers.push(() => proxy.close())
      const user = uniqueUser("kill")
      const first = server(user, viaPort(proxy.port), exchange)
      await listeningPort(first)
      await proxy.cut() // commits go on, confirms cannot come
      await eventually("intervals owed", async () => ((await db.query("SELECT 1 FROM point_ticks WHERE user = ? AND event_owed = 1", [user])).length >= 2 ? true : undefined), 20_000)
      first.kill("SIGKILL")
      await first.exited
      const second = server(user, RABBITMQ_URL, exchange)
      await listeningPort(second)
      await eventually("the dead server's intervals published", async () => ((await db.query("SELECT 1 FROM point_ticks WHERE user = ? AND event_owed = 1", [user])).length === 0 ? true : undefined), 30_000)
      await stopWith(second)
      await allDelivered(user, received)
    }, 90_000)

    it("three replicas of a user: each claimed slot at least once, distinct messageIds = distinct slots", async () => {
      const exchange = exchangeName()
      const { received } = await consumer(exchange)
      const user = uniqueUser("rep")
      const replicas = [0, 1, 2].map(() => server(user, RABBITMQ_URL, exchange))
      await Promise.all(replicas.map(listeningPort))
      await new Promise((resolve) => setTimeout(resolve, 4_000))
      await Promise.all(replicas.map((replica) => stopWith(replica)))
      const slots = await allDelivered(user, received)
      expect(new Set(received.map((m) => m.messageId)).size).toBe(slots.length)
      expect(slots.length).toBeGreaterThanOrEqual(3)
    }, 60_000)

    it("the events program prints one line per event, reconnects when the broker goes away, and exits 0 on Ctrl-C", async () => {
      const exchange = exchangeName()
      const proxy = await startProxy({ host: "127.0.0.1", port: 5672 })
      closers.push(() => proxy.close())
      const user = uniqueUser("prog")
      const printer = start("events", { BROKER_URL: viaPort(proxy.port), BROKER_EXCHANGE: exchange })
      const others = start("events", { BROKER_URL: RABBITMQ_URL, BROKER_EXCHANGE: exchange, EVENTS_USER: "somebody_else" })
      const bodies = start("events", { BROKER_URL: RABBITMQ_URL, BROKER_EXCHANGE: exchange }, ["--json", "true", "--user", user])
      await Promise.all([printer, others, bodies].map((p) => p.waitFor(/listening for events/, 20_000)))
      const running = server(user, RABBITMQ_URL, exchange)
      await listeningPort(running)
      const line = new RegExp(`^${user} \\+1 → (\\d+) \\(slot (\\d+), \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\)$`, "m")
      await printer.waitFor(line, 20_000)
      await bodies.waitFor(/^\{"user":/m, 20_000)
      const body = JSON.parse(bodies.stdout().split("\n")[0]!)
      expect(Object.keys(body).sort()).toEqual(["points", "recorded_at", "slot", "total", "user"])
      // The broker goes away and comes back: the printer reconnects and prints on.
      await proxy.cut()
      await printer.waitFor(/broker away, reconnecting/, 20_000)
      await proxy.restore()
      const printed = printer.stdout().split("\n").filter((l) => line.test(l)).length
      await eventually("lines after the reconnect", async () => (printer.stdout().split("\n").filter((l) => line.test(l)).length > printed ? true : undefined), 30_000)
      await stopWith(running)
      expect(others.stdout()).toBe("")
      for (const program of [printer, others, bodies]) expect((await stopWith(program, "SIGINT")).code).toBe(0)
    }, 90_000)

    it("the dashboard publishes a pause, a resume and a reset as control.<user> events, after the write", async () => {
      const exchange = exchangeName()
      const { received } = await consumer(exchange)
      const user = uniqueUser("ctl")
      const dashboard = start("dashboard", {
        ...db.env(), HTTP_PORT: "0", HTTP_HOST: "127.0.0.1", ADMIN_TOKEN: "t0ken", BROKER_URL: RABBITMQ_URL, BROKER_EXCHANGE: exchange
      })
      const port = await httpPortOf(dashboard)
      // After the dashboard's start, which migrated the database.
      await db.query("INSERT INTO scores (user, points, datetime_stamp) VALUES (?, 5, '2026-12-04 00:00:00')", [user])
      const post = (path: string) => fetch(`http://127.0.0.1:${port}/api/users/${user}/${path}`, { method: "POST", headers: { authorization: "Bearer t0ken" } })
      for (const path of ["toggle", "toggle", "reset"]) expect((await post(path)).status).toBe(200)
      const events = await eventually("three control events", async () => (received.length >= 3 ? received : undefined), 20_000)
      expect(events.map((m) => [m.routingKey, m.body.action])).toEqual([[`control.${user}`, "pause"], [`control.${user}`, "resume"], [`control.${user}`, "reset"]])
      for (const message of events) {
        expect(Object.keys(message.body).sort()).toEqual(["action", "recorded_at", "user"])
        expect(message.body.user).toBe(user)
        expect(message.contentType).toBe("application/json")
        expect(message.persistent).toBe(true)
      }
      expect(new Set(events.map((m) => m.messageId)).size).toBe(3)
      // The writes happened: the database says so.
      expect(await db.query("SELECT points FROM scores WHERE user = ?", [user])).toEqual([{ points: 0 }])
    }, 60_000)

    it("a bad BROKER_URL stops the server at start-up with one line naming it, and never echoes its password", async () => {
      const running = server(uniqueUser("bad"), "http://guest:hunter2-secret@127.0.0.1:5672", exchangeName())
      expect(await running.exited).toBe(1)
      expect(running.stderr()).toMatch(/BROKER_URL: expected an amqp:\/\/ or amqps:\/\/ URL/)
      expect(running.stderr()).not.toContain("hunter2-secret")
    })

    it("wrong credentials: one error line that says so (never the password), retried, the points service unaffected", async () => {
      const user = uniqueUser("creds")
      const running = server(user, RABBITMQ_URL.replace(/\/\/[^@]*@/, "//guest:not-the-password-4711@"), exchangeName())
      await listeningPort(running)
      // Owed events are retried with backoff (0.5 s, 1 s, 2 s…): several refusals, one line.
      await eventually("two points claimed while refused", async () => ((await ledger(user)).length >= 2 ? true : undefined), 20_000)
      await new Promise((resolve) => setTimeout(resolve, 3_000))
      expect(running.stderr().match(/the broker refused the credentials in BROKER_URL/g)).toHaveLength(1)
      expect(running.stderr()).not.toContain("not-the-password-4711")
      expect(running.stderr()).not.toMatch(/events not published yet/)
      expect(await db.query("SELECT 1 FROM point_ticks WHERE user = ? AND event_owed = 1", [user])).not.toHaveLength(0)
      await stopWith(running)
    }, 40_000)

    it("an unreachable broker at start: the server answers anyway, with one warning", async () => {
      const user = uniqueUser("away")
      const running = server(user, "amqp://guest:guest@127.0.0.1:1", exchangeName())
      await listeningPort(running)
      await new Promise((resolve) => setTimeout(resolve, 3_000))
      expect(running.stderr().match(/events not published yet/g)).toHaveLength(1)
      expect((await ledger(user)).length).toBeGreaterThanOrEqual(2)
      await stopWith(running)
    }, 30_000)
  })
})

// The outbox's database load: one read a second when nothing is owed, one read and one write a round that
// publishes, however many users the process serves (counted through the Db layer).
effectIt.scoped("the outbox adds one statement a second per process at idle, two when it publishes", () =>
  Effect.gen(function*() {
    const db = yield* Db
    const users = Array.from({ length: 100 }, (_, i) => `u${i}`)
    yield* Effect.forEach(users, (user) => db.ensureUser(user))
    const before = yield* db.queries
    yield* Effect.fork(publishOwedEvents(users))
    yield* TestClock.adjust("10 seconds")
    const idle = (yield* db.queries) - before
    expect(idle).toBeGreaterThanOrEqual(10)
    expect(idle).toBeLessThanOrEqual(11)
    yield* Effect.forEach(users, (user) => db.claimSlots({ user, slots: [1], pointsPerTick: 1 }))
    const claimed = yield* db.queries
    yield* TestClock.adjust("1 second")
    expect((yield* db.queries) - claimed).toBe(2)
    expect(published).toHaveLength(100)
  }).pipe(
    Effect.provide(Layer.mergeAll(
      Db.layerMemory(undefined, { outbox: true }),
      Metrics.layerMemory,
      Layer.succeed(Broker, { exchange: "scoreline.points", publish: (messages: ReadonlyArray<OutgoingMessage>) => Effect.sync(() => published.push(...messages)) })
    )),
    Logger.withMinimumLogLevel(LogLevel.None)
  ))
const published: Array<OutgoingMessage> = []
