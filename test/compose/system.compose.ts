import amqp from "amqplib"
import { Effect, Either, Logger, LogLevel } from "effect"
import * as Mysql from "mysql2/promise"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { performance } from "node:perf_hooks"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Yaml from "yaml"
import { PROMETHEUS_PORT } from "../../scripts/compose-monitoring.js"
import { clientService, LAYOUT_ROSTERS, LB_SERVICE, layoutFile, readCompose, readRoster, serverService } from "../../scripts/compose-layouts.js"
import { askPointsWithRetry } from "../../src/clients/PointsClient.js"
import { Transport } from "../../src/layers/Transport.js"
import { requestsServed } from "../support/metrics.js"
import { ROOT } from "../support/processes.js"
import { containersOf, ensureDocker, reserveTestPorts, run, runOk, waitUntil } from "./docker.js"
import { hostNetworkLbConf, hostNetworkPrometheusConfig, hostNetworkRabbitmqConf, makeOverride, replicaMetricsPort, replicaPorts, testPort } from "./override.js"

/**
 * `npm run test:compose`: the real compose.yml and Dockerfile, run under Docker with local stand-ins for
 * mysql:8 (MariaDB), node:20-bookworm-slim, phpmyadmin and nginx:1.28 (test/compose/standins), every container
 * on the host's network with ports moved into 35000-35999, and server replicas on port slots of their own
 * (test/compose/override.ts). In CI a Docker that cannot start fails the run; elsewhere the file is skipped with
 * the reason.
 */
const unavailable = await ensureDocker()
if (unavailable !== undefined) {
  if (process.env.CI === "true") throw new Error(`CI=true but Docker is unavailable: ${unavailable}`)
  console.warn(`skipping the compose tests: ${unavailable}; in CI this is a failure.`)
}

const PROJECT = "scoreline-test"
const DIR = Path.join(ROOT, ".tmp/compose-test")
const EVERY_PROFILE = ["--profile", "all", "--profile", "echo", "--profile", "messages", "--profile", "tools", "--profile", "monitoring", "--profile", "events"]
/** compose.yml with .env's events switch on (BROKER_URL_FILE), as its own run file. */
const EVENTS_RUN = "events.compose.yml"
const seed000 = readRoster("seed000")
const say = (line: string) => console.log(`compose: ${line}`)

/** docker-compose on the real file (or a layout file) plus the test's override, env file and project name. */
const composeWithOverride = (args: ReadonlyArray<string>, file = "compose.yml", env: Record<string, string> = {}) =>
  run("docker-compose", ["-p", PROJECT, "--env-file", Path.join(DIR, ".env"), "-f", file, "-f", Path.join(DIR, `override.${file}`), ...args], { env })

/**
 * What the test runs: Compose's own merge of the real file and the override (`docker-compose config`), less
 * the `ports` lists. Host networking discards published ports anyway, but Compose 1.29 refuses to create a
 * container that has both, and an override can only add to a list, never remove from it.
 */
const writeRunFile = async (file: string, env: Record<string, string> = {}, runName = file) => {
  const merged = await composeWithOverride(["config"], file, env)
  if (merged.code !== 0) throw new Error(merged.stderr)
  const config = Yaml.parse(merged.stdout) as { services: Record<string, Record<string, unknown>> }
  for (const service of Object.values(config.services)) delete service.ports
  Fs.writeFileSync(Path.join(DIR, `run.${runName}`), Yaml.stringify(config, { defaultStringType: "QUOTE_DOUBLE", defaultKeyType: "PLAIN", lineWidth: 0 }))
}
const compose = (args: ReadonlyArray<string>, file = "compose.yml") =>
  run("docker-compose", ["-p", PROJECT, "--project-directory", ROOT, "--env-file", Path.join(DIR, ".env"), "-f", Path.join(DIR, `run.${file}`), ...args])
const composeOk = async (args: ReadonlyArray<string>, file = "compose.yml") => {
  const result = await compose(args, file)
  if (result.code !== 0) throw new Error(`docker-compose ${args.join(" ")} exited ${result.code}\n${result.stdout}\n${result.stderr}`)
  return result
}
const logsOf = async (service: string) => {
  const { stdout, stderr } = await compose(["logs", "--no-color", service])
  return stdout + stderr
}
const secret = (name: string) => Fs.readFileSync(Path.join(DIR, "secrets", name), "utf8").trim()
const env = () => Object.fromEntries(Fs.readFileSync(Path.join(DIR, ".env"), "utf8").split("\n").filter((l) => /^[A-Z_]+=/.test(l)).map((l) => l.split("=", 2) as [string, string]))
const connect = (user: string, password: string) =>
  Mysql.createConnection({ host: "127.0.0.1", port: testPort(3306), user, password, database: env().DB_NAME ?? "scoreline", connectTimeout: 5_000 })
const pointsByUser = async (): Promise<Map<string, number>> => {
  const root = await connect("root", secret("db_root_password"))
  try {
    const [rows] = await root.query("SELECT user, points FROM scores")
    return new Map((rows as Array<{ user: string; points: number }>).map((r) => [r.user, Number(r.points)]))
  } finally {
    await root.end()
  }
}

/** A client that retries as ours does by default, but sooner: a retry goes to another replica. */
const RETRYING = { tries: 6, initialDelay: "200 millis", maxDelay: "1 second" } as const

describe.skipIf(unavailable !== undefined).sequential("docker compose", () => {
  beforeAll(async () => {
    reserveTestPorts()
    // The stand-ins (cached by recipe) and the image itself, as users build it.
    let started = performance.now()
    await runOk("bash", [Path.join(ROOT, "test/compose/standins/build.sh"), "node", "mysql", "phpmyadmin", "nginx", "prometheus", "rabbitmq"], { timeoutMs: 900_000 })
    say(`stand-ins ready in ${((performance.now() - started) / 1000).toFixed(1)} s`)
    started = performance.now()
    await runOk("docker", ["build", "--quiet", "--network", "host", "-t", "scoreline:0.1.0", "."], { timeoutMs: 900_000 })
    say(`scoreline:0.1.0 built in ${((performance.now() - started) / 1000).toFixed(1)} s`)

    // The test's own .env and secrets, made as a user makes them; the override for every compose file.
    Fs.rmSync(DIR, { recursive: true, force: true })
    Fs.mkdirSync(DIR, { recursive: true })
    Fs.copyFileSync(Path.join(ROOT, ".env.example"), Path.join(DIR, ".env.example"))
    await runOk("bash", [Path.join(ROOT, "scripts/make-secrets.sh"), DIR])
    // The programs reach the stand-in RabbitMQ on the host's network, at its test port.
    Fs.writeFileSync(Path.join(DIR, "secrets", "broker_url"), `amqp://scoreline:${secret("rabbitmq_password")}@127.0.0.1:${testPort(5672)}\n`)
    Fs.writeFileSync(Path.join(DIR, "rabbitmq-ports.conf"), hostNetworkRabbitmqConf())
    // Quick points and polls, so growth shows within seconds.
    Fs.appendFileSync(Path.join(DIR, ".env"), "UPDATE_INTERVAL=1\nPOLL_INTERVAL=2\n")
    // Replicas on the host's network take a port slot each, under a lock in this folder (override.ts says how).
    Fs.mkdirSync(Path.join(DIR, "replica-slots"), { mode: 0o777 })
    Fs.chmodSync(Path.join(DIR, "replica-slots"), 0o777)
    for (const [file, roster] of [["compose.yml", "seed000"], ...LAYOUT_ROSTERS.map((r) => [layoutFile(r), r])] as const) {
      const lbConf = Path.join(DIR, `lb.${roster}.conf`)
      Fs.writeFileSync(lbConf, hostNetworkLbConf(readRoster(roster)))
      const prometheusConf = Path.join(DIR, `prometheus.${roster}.yml`)
      Fs.writeFileSync(prometheusConf, Yaml.stringify(hostNetworkPrometheusConfig(readRoster(roster))))
      // Prometheus runs as nobody: its configuration must be readable by all.
      Fs.chmodSync(prometheusConf, 0o644)
      Fs.writeFileSync(Path.join(DIR, `override.${file}`), Yaml.stringify(makeOverride(readCompose(file), Path.join(DIR, "secrets"), DIR, lbConf, prometheusConf)))
      await writeRunFile(file)
    }
    await writeRunFile("compose.yml", { BROKER_URL_FILE: "/run/secrets/broker_url" }, EVENTS_RUN)
    await compose([...EVERY_PROFILE, "down", "-v", "--remove-orphans"])
  })

  afterAll(async () => {
    if (!Fs.existsSync(Path.join(DIR, "run.compose.yml"))) return
    const left = await compose([...EVERY_PROFILE, "down", "-v", "--remove-orphans"])
    if (left.code !== 0) console.warn(left.stderr)
  })

  it("docker-compose config -q accepts the default profile, all, tools and one user, and each layout", async () => {
    for (const profiles of [[], ["--profile", "all"], ["--profile", "tools"], ["--profile", "ikhwan"]]) {
      expect((await composeWithOverride([...profiles, "config", "-q"])).code).toBe(0)
    }
    for (const file of LAYOUT_ROSTERS.map(layoutFile)) expect((await composeWithOverride(["--profile", "all", "config", "-q"], file)).code).toBe(0)
    // Without its .env, compose stops at once and says what to do.
    Fs.writeFileSync(Path.join(DIR, "empty.env"), "")
    const bare = await run("docker-compose", ["-p", PROJECT, "--env-file", Path.join(DIR, "empty.env"), "config", "-q"])
    expect(bare.code).not.toBe(0)
    expect(bare.stderr).toMatch(/set DB_\w+ in \.env/)
  })

  it("the image runs as node, holds only the bundles and better-sqlite3, and starts a program in about a second", async () => {
    expect((await runOk("docker", ["run", "--rm", "scoreline:0.1.0", "id", "-u"])).stdout.trim()).toBe("1000")
    expect((await runOk("docker", ["run", "--rm", "scoreline:0.1.0", "ls", "/app/node_modules"])).stdout.split(/\s+/).filter(Boolean))
      .toEqual(["better-sqlite3", "bindings", "file-uri-to-path"])
    const started = performance.now()
    // migrate on the embedded SQLite: the native addon loads in the runtime image.
    const migrated = await runOk("docker", ["run", "--rm", "-e", "DB_FILE=/tmp/test.db", "scoreline:0.1.0", "node", "dist/migrate.mjs"])
    const seconds = (performance.now() - started) / 1000
    expect(migrated.stderr).toContain("migrations up to date")
    const size = Number((await runOk("docker", ["image", "inspect", "--format", "{{.Size}}", "scoreline:0.1.0"])).stdout)
    say(`image scoreline:0.1.0 is ${(size / 1e6).toFixed(0)} MB; docker run of dist/migrate.mjs (SQLite) took ${seconds.toFixed(2)} s`)
  })

  it("--profile all up -d: db healthy, migrate exits 0 once, every client shows points, the dashboard lists every user", async () => {
    const started = performance.now()
    await composeOk(["--profile", "all", "up", "-d"])
    say(`--profile all up -d returned in ${((performance.now() - started) / 1000).toFixed(1)} s`)
    const containers = await containersOf(PROJECT)
    expect(containers.find((c) => c.service === "db")?.health).toBe("healthy")
    const migrate = containers.filter((c) => c.service === "migrate")
    expect(migrate).toHaveLength(1)
    expect(migrate[0]).toMatchObject({ status: "exited", exitCode: 0, restartCount: 0 })
    expect((await logsOf("migrate")).match(/migrations up to date/g)).toHaveLength(1)
    // No Docker network: every container is on the host's.
    expect((await runOk("docker", ["network", "ls", "-q", "--filter", `label=com.docker.compose.project=${PROJECT}`])).stdout.trim()).toBe("")

    for (const entry of seed000.servers) {
      await waitUntil(`${clientService(entry)} to print ${entry.user}'s points`, async () =>
        (await logsOf(clientService(entry))).includes(`User: ${entry.user}, Points: `) || undefined)
    }
    const users = await waitUntil("the dashboard's /api/users", async () => {
      const response = await fetch(`http://127.0.0.1:${testPort(8080)}/api/users`)
      return response.ok ? await response.text() : undefined
    })
    for (const entry of seed000.servers) expect(users).toContain(`"${entry.user}"`)
  })

  it("the dashboard's user control takes the admin token from its secret, and refuses a wrong one", async () => {
    const user = seed000.servers[0]!.user
    const toggle = (token: string) =>
      fetch(`http://127.0.0.1:${testPort(8080)}/api/users/${user}/toggle`, { method: "POST", headers: { authorization: `Bearer ${token}` } })
    expect((await toggle("not-the-token")).status).toBe(401)
    const paused = await toggle(secret("admin_token"))
    expect(paused.status).toBe(200)
    expect(await paused.json()).toEqual({ success: true, username: user, status: "paused" })
    const resumed = await toggle(secret("admin_token"))
    expect(await resumed.json()).toEqual({ success: true, username: user, status: "active" })
  })

  it("the points in the database grow", async () => {
    const before = await pointsByUser()
    expect([...before.keys()].sort()).toEqual(seed000.servers.map((s) => s.user).sort())
    await waitUntil("every user's points to grow", async () => {
      const now = await pointsByUser()
      return seed000.servers.every((s) => (now.get(s.user) ?? 0) > (before.get(s.user) ?? 0)) || undefined
    }, 60_000)
  })

  it("profile monitoring: Prometheus (a stand-in from Debian's package) scrapes the dashboard and every server as up, with the four rules, and reads every user's points", async () => {
    await composeOk(["--profile", "all", "--profile", "monitoring", "up", "-d", "prometheus"])
    const api = `http://127.0.0.1:${testPort(PROMETHEUS_PORT)}/api/v1`
    const get = async <A>(path: string): Promise<A | undefined> => {
      const response = await fetch(`${api}/${path}`).catch(() => undefined)
      return response?.ok ? ((await response.json()) as { data: A }).data : undefined
    }
    const targets = await waitUntil("every scrape target up", async () => {
      const data = await get<{ activeTargets: Array<{ labels: Record<string, string>; health: string }> }>("targets")
      const active = data?.activeTargets ?? []
      return active.length === seed000.servers.length + 1 && active.every((target) => target.health === "up") ? active : undefined
    }, 90_000)
    expect(targets.filter((target) => target.labels.job === "scoreline-server").map((target) => target.labels.service).sort())
      .toEqual(seed000.servers.map(serverService).sort())
    const rules = await get<{ groups: Array<{ rules: Array<{ name: string; health: string }> }> }>("rules")
    const loaded = rules!.groups.flatMap((group) => group.rules)
    expect(loaded.map((rule) => rule.name).sort()).toEqual(["ScorelineDatabaseErrors", "ScorelinePointsStalled", "ScorelineServerDown", "ScorelineSlowRequests"])
    for (const rule of loaded) expect(rule.health, rule.name).not.toBe("err")
    const points = await waitUntil("every user's points in Prometheus", async () => {
      const data = await get<{ result: Array<{ metric: Record<string, string> }> }>(`query?query=${encodeURIComponent("max by (user) (scoreline_user_points)")}`)
      const users = (data?.result ?? []).map((series) => series.metric.user)
      return seed000.servers.every((entry) => users.includes(entry.user)) ? users : undefined
    }, 60_000)
    expect(points.sort()).toEqual(seed000.servers.map((entry) => entry.user).sort())
  })

  it("--scale: a TCP and a UDP user as three replicas each, behind lb on their own ports; no request fails, each replica serves, the points stay exact", async () => {
    // jerry (TCP) and khalid (UDP): never paused above, so their ledgers run unbroken since the first up.
    const scaled = seed000.servers.filter((entry) => entry.user === "jerry" || entry.user === "khalid")
    expect(scaled.map((entry) => entry.transport).sort()).toEqual(["tcp", "udp"])
    await composeOk(["--profile", "all", "up", "-d", ...scaled.flatMap((entry) => ["--scale", `${serverService(entry)}=3`])])
    await waitUntil("three healthy replicas of each scaled server", async () => {
      const containers = await containersOf(PROJECT)
      return scaled.every((entry) => containers.filter((c) => c.service === serverService(entry) && c.health === "healthy").length === 3) || undefined
    })
    expect((await containersOf(PROJECT)).find((c) => c.service === LB_SERVICE)?.health).toBe("healthy")
    // nginx as the image's unprivileged user (uid 101), not root.
    const status = (await composeOk(["exec", "-T", LB_SERVICE, "cat", "/proc/1/status"])).stdout
    expect(/^Uid:\s+(\d+)/m.exec(status)?.[1]).toBe("101")
    for (const entry of scaled) {
      // Each replica holds one of the user's slots (override.ts), its /metrics beside it.
      const served = () => Promise.all(replicaPorts(entry.port).map((port) => requestsServed("127.0.0.1", replicaMetricsPort(port), entry.transport)))
      const before = await served()
      const target = { host: "127.0.0.1", port: testPort(entry.port), transport: entry.transport, dialect: entry.dialect, timeout: "3 seconds" } as const
      const failures: Array<string> = []
      for (let i = 0; i < 60; i++) {
        const answer = await Effect.runPromise(Effect.either(askPointsWithRetry(target, RETRYING)).pipe(Effect.provide(Transport.layer), Logger.withMinimumLogLevel(LogLevel.Error)))
        if (Either.isLeft(answer)) failures.push(answer.left.message)
        else expect(answer.right.reply.user).toBe(entry.user)
      }
      expect(failures).toEqual([])
      const after = await served()
      say(`--scale ${serverService(entry)}=3 (${entry.transport}): the replicas served ${after.map((n, i) => n - before[i]!).join(" / ")} (60 requests of the test's, and the client's and dashboard's own)`)
      for (const [i, n] of after.entries()) expect(n, `replica on slot ${i}`).toBeGreaterThan(before[i]!)
      // One increment per interval, however many replicas: the ledger's slots unbroken, one point each.
      const root = await connect("root", secret("db_root_password"))
      try {
        const [ticks] = await root.query("SELECT slot FROM point_ticks WHERE user = ? ORDER BY slot", [entry.user])
        const slots = (ticks as Array<{ slot: number | string }>).map((row) => Number(row.slot))
        expect(slots).toEqual(slots.map((_, i) => slots[0]! + i))
        expect((await pointsByUser()).get(entry.user)).toBe(slots.length)
      } finally {
        await root.end()
      }
    }
  })

  it("the app's database user reads and writes rows but cannot DROP, CREATE or GRANT; nor can the migrate user DROP", async () => {
    const app = await connect(env().DB_USER!, secret("db_password"))
    try {
      await app.query("SELECT COUNT(*) FROM scores")
      await app.query("UPDATE scores SET points = points WHERE user = 'nobody'")
      await expect(app.query("DROP TABLE scores")).rejects.toMatchObject({ code: expect.stringMatching(/DENIED/) })
      await expect(app.query("CREATE TABLE intruder (id INT)")).rejects.toMatchObject({ code: expect.stringMatching(/DENIED/) })
      await expect(app.query(`GRANT SELECT ON \`${env().DB_NAME}\`.* TO '${env().DB_MIGRATE_USER}'@'%'`)).rejects.toMatchObject({ code: expect.stringMatching(/DENIED/) })
    } finally {
      await app.end()
    }
    const migrator = await connect(env().DB_MIGRATE_USER!, secret("db_migrate_password"))
    try {
      await expect(migrator.query("DROP TABLE scores")).rejects.toMatchObject({ code: expect.stringMatching(/DENIED/) })
    } finally {
      await migrator.end()
    }
  })

  it("profiles echo and messages: each client runs once its server is healthy and exits 0", async () => {
    await composeOk(["--profile", "echo", "--profile", "messages", "up", "-d", "echo-client-tcp", "echo-client-udp", "message-client"])
    for (const service of ["echo-client-tcp", "echo-client-udp", "message-client"]) {
      const container = await waitUntil(`${service} to exit`, async () => (await containersOf(PROJECT)).find((c) => c.service === service && c.status === "exited"))
      expect(container.exitCode, await logsOf(service)).toBe(0)
    }
    expect(await logsOf("echo-client-tcp")).toContain("echo matched")
    expect(await logsOf("echo-client-udp")).toContain("echo matched")
    expect(await logsOf("message-client")).toMatch(/Response: Server received at .*: Hello from compose/)
  })

  it("profile tools: phpMyAdmin answers on 127.0.0.1", async () => {
    await composeOk(["--profile", "tools", "up", "-d", "phpmyadmin"])
    const page = await waitUntil("phpMyAdmin's login page", async () => {
      const response = await fetch(`http://127.0.0.1:${testPort(80)}/`)
      return response.ok ? await response.text() : undefined
    }, 60_000)
    expect(page).toContain("phpMyAdmin")
  })

  it("profile events: RabbitMQ (a stand-in from Debian's package) takes every server's events, the dashboard follows them, the UI answers on 127.0.0.1", async () => {
    const started = performance.now()
    // .env's switch on: the servers and the dashboard are re-created with BROKER_URL_FILE, RabbitMQ starts.
    await composeOk(["--profile", "all", "--profile", "events", "up", "-d"], EVENTS_RUN)
    say(`--profile all --profile events up -d returned in ${((performance.now() - started) / 1000).toFixed(1)} s`)
    await waitUntil("rabbitmq healthy", async () =>
      (await containersOf(PROJECT)).find((c) => c.service === "rabbitmq")?.health === "healthy" || undefined, 120_000)
    const url = `amqp://scoreline:${secret("rabbitmq_password")}@127.0.0.1:${testPort(5672)}`
    const connection = await amqp.connect(url)
    try {
      const channel = await connection.createChannel()
      await channel.assertExchange("scoreline.points", "topic", { durable: true })
      const { queue } = await channel.assertQueue("", { exclusive: true })
      await channel.bindQueue(queue, "scoreline.points", "points.#")
      const users = new Set<string>()
      await channel.consume(queue, (message) => {
        if (message !== null) users.add(JSON.parse(message.content.toString("utf8")).user)
      }, { noAck: true })
      await waitUntil("an event from every user's server", async () => seed000.servers.every((entry) => users.has(entry.user)) || undefined, 60_000)
    } finally {
      await connection.close()
    }
    expect(await logsOf("dashboard")).toContain("dashboard follows the broker's events")
    // The management UI: the user from the secret, and no one else.
    const overview = `http://127.0.0.1:${testPort(15672)}/api/overview`
    const basic = (user: string, password: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}` })
    expect((await fetch(overview, { headers: basic("scoreline", secret("rabbitmq_password")) })).status).toBe(200)
    expect((await fetch(overview, { headers: basic("guest", "guest") })).status).toBe(401)
  })

  it("docker-compose stop: every container exits 0 (none killed after the grace period)", async () => {
    const started = performance.now()
    await composeOk([...EVERY_PROFILE, "stop"])
    say(`stop took ${((performance.now() - started) / 1000).toFixed(1)} s`)
    const containers = await containersOf(PROJECT)
    expect(containers.length).toBeGreaterThan(10)
    for (const c of containers) {
      expect(c.status, c.service).toBe("exited")
      expect(c.oomKilled, c.service).toBe(false)
      // A container killed after the grace period: its last lines say what it was waiting for.
      const detail = c.exitCode === 0 ? "" : `\n${(await logsOf(c.service)).split("\n").slice(-25).join("\n")}`
      expect(c.exitCode, `${c.service} exited ${c.exitCode}${detail}`).toBe(0)
    }
  })

  it("--profile ikhwan brings up only that user's server and client, with db, migrate, dashboard and lb", async () => {
    const before = await (async () => {
      await composeOk(["--profile", "all", "start", "db"])
      return await waitUntil("the database", async () => (await pointsByUser()).get("ikhwan"))
    })()
    await composeOk([...EVERY_PROFILE, "down"])
    await composeOk(["--profile", "ikhwan", "up", "-d"])
    const services = (await containersOf(PROJECT)).map((c) => c.service).sort()
    expect(services).toEqual(["client-ikhwan", "dashboard", "db", LB_SERVICE, "migrate", serverService(seed000.servers[0]!)].sort())
    // The volume outlived `down`: ikhwan's points carry on from where they were.
    await waitUntil("client-ikhwan to print points", async () => (await logsOf("client-ikhwan")).includes("User: ikhwan, Points: ") || undefined)
    expect((await pointsByUser()).get("ikhwan")).toBeGreaterThanOrEqual(before)
  })

  it("down -v leaves no container, volume or network behind", async () => {
    await composeOk([...EVERY_PROFILE, "down", "-v", "--remove-orphans"])
    expect(await containersOf(PROJECT)).toEqual([])
    const label = `label=com.docker.compose.project=${PROJECT}`
    expect((await runOk("docker", ["volume", "ls", "-q", "--filter", label])).stdout.trim()).toBe("")
    expect((await runOk("docker", ["network", "ls", "-q", "--filter", label])).stdout.trim()).toBe("")
  })
})
