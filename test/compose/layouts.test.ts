import * as Fs from "node:fs"
import * as Path from "node:path"
import { describe, expect, it } from "vitest"
import {
  clientService,
  type ComposeFile,
  generatedFiles,
  groupsOf,
  LAYOUT_ROSTERS,
  LB_HEALTH_PORT,
  LB_SERVICE,
  lbConfFile,
  lbService,
  layoutFile,
  parseCompose,
  profileOf,
  profilesOf,
  programOf,
  publishedPort,
  readCompose,
  readRoster,
  rosterServices,
  rosterServicesOf,
  serverService
} from "../../scripts/compose-layouts.js"
import { ROOT, runCommand } from "../support/processes.js"

/**
 * compose.yml and the seed 001/002 layout files against the rosters, the secrets rules and the programs'
 * settings. No Docker needed: this is part of `npm test`; `npm run test:compose` runs the files for real.
 */
const base = readCompose("compose.yml")
const LAYOUTS: ReadonlyArray<{ file: string; roster: string; compose: ComposeFile }> = [
  { file: "compose.yml", roster: "seed000", compose: base },
  ...LAYOUT_ROSTERS.map((roster) => ({ file: layoutFile(roster), roster, compose: readCompose(layoutFile(roster)) }))
]

describe("compose.yml", () => {
  it("has no version key (obsolete in the Compose specification)", () => {
    expect(Object.keys(base)).not.toContain("version")
    expect(Fs.readFileSync(Path.join(ROOT, "compose.yml"), "utf8")).not.toMatch(/^version:/m)
  })

  it("writes seed 000's servers, clients and load balancer exactly as scripts/compose-layouts.ts makes them", () => {
    expect(rosterServicesOf(base)).toEqual(rosterServices(base, readRoster("seed000")))
    expect(base.services[LB_SERVICE]).toEqual(lbService(readRoster("seed000")))
  })

  for (const { file, text } of generatedFiles(base)) {
    it(`${file} is up to date (npm run compose:layouts)`, () => {
      expect(Fs.readFileSync(Path.join(ROOT, file), "utf8")).toBe(text)
    })
  }
})

for (const layout of LAYOUTS) {
  describe(`${layout.file} against rosters/${layout.roster}.json`, () => {
    const roster = readRoster(layout.roster)
    const services = layout.compose.services

    it("has a server per roster entry and a client polling it through the load balancer, which publishes the user's port", () => {
      const lb = services[LB_SERVICE]!
      for (const entry of roster.servers) {
        const server = services[serverService(entry)]
        expect(server, serverService(entry)).toBeDefined()
        expect(programOf(server!)).toBe("server")
        expect(server!.environment).toMatchObject({ SERVER_USER: entry.user, SERVER_PORT: String(entry.port), TRANSPORT: entry.transport })
        // Replicas of one server could not all bind a published port: lb publishes it, once.
        expect(server!.ports, serverService(entry)).toBeUndefined()
        expect(lb.ports).toContain(publishedPort(entry))
        expect(publishedPort(entry).endsWith("/udp")).toBe(entry.transport === "udp")
        const client = services[clientService(entry)]
        expect(programOf(client!)).toBe("client")
        expect(client!.environment).toMatchObject({
          TARGET_HOST: LB_SERVICE,
          TARGET_PORT: String(entry.port),
          TRANSPORT: entry.transport,
          CLIENT_DIALECT: entry.dialect
        })
        expect(client!.depends_on).toEqual({ [serverService(entry)]: { condition: "service_healthy" }, [LB_SERVICE]: { condition: "service_healthy" } })
      }
      expect(lb.ports).toHaveLength(roster.servers.length)
      expect(services.dashboard!.environment!.ROSTER).toBe(layout.roster)
      expect(services.dashboard!.environment!.PROBE_HOST).toBe(LB_SERVICE)
      // And nothing else: no server for a user the roster does not have.
      expect(Object.keys(rosterServicesOf(layout.compose)).sort()).toEqual(
        roster.servers.flatMap((entry) => [serverService(entry), clientService(entry)]).sort()
      )
    })

    it("gives every user a profile of their own, and groups them by transport, by the roster's groups and in all", () => {
      for (const entry of roster.servers) {
        for (const name of [serverService(entry), clientService(entry)]) {
          expect(services[name]!.profiles).toEqual(profilesOf(entry))
          expect(services[name]!.profiles).toEqual([profileOf(entry.user), entry.transport, ...(entry.group ? [entry.group] : []), "all"])
        }
      }
      const inProfile = (profile: string) =>
        Object.entries(services).filter(([, s]) => s.profiles?.includes(profile)).map(([name]) => name).sort()
      const servicesOf = (entries: ReadonlyArray<typeof roster.servers[number]>) => entries.flatMap((e) => [serverService(e), clientService(e)]).sort()
      expect(inProfile("tcp")).toEqual(servicesOf(roster.servers.filter((e) => e.transport === "tcp")))
      expect(inProfile("udp")).toEqual(servicesOf(roster.servers.filter((e) => e.transport === "udp")))
      for (const group of groupsOf(roster)) expect(inProfile(group)).toEqual(servicesOf(roster.servers.filter((e) => e.group === group)))
      expect(inProfile("all")).toEqual(Object.keys(rosterServicesOf(layout.compose)).sort())
      // The load balancer belongs to no profile: it starts with any of them, as the db and the dashboard do.
      expect(services[LB_SERVICE]!.profiles).toBeUndefined()
    })

    it("adds each roster entry's pointsPerTick: POINTS_PER_TICK in the file, or the default when it has none", () => {
      for (const entry of roster.servers) {
        expect(services[serverService(entry)]!.environment!.POINTS_PER_TICK, entry.user).toBe(entry.pointsPerTick === undefined ? undefined : String(entry.pointsPerTick))
      }
    })

    it(`runs ${lbConfFile(layout.roster)}: a listener per user on its port and transport, to server-<user> on that port`, () => {
      const lb = services[LB_SERVICE]!
      expect(lb.volumes).toEqual([`./${lbConfFile(layout.roster)}:/etc/nginx/nginx.conf:ro`])
      const conf = Fs.readFileSync(Path.join(ROOT, lbConfFile(layout.roster)), "utf8")
      const servers = [...conf.matchAll(/^ {2}server \{\n {4}listen ([^;]+);\n(?: {4}set \$replicas ([^;]+);\n)?/gm)]
      expect(servers.map((m) => m[1])).toEqual([`127.0.0.1:${LB_HEALTH_PORT}`, ...roster.servers.map((e) => (e.transport === "udp" ? `${e.port} udp reuseport` : String(e.port)))])
      expect(servers.slice(1).map((m) => m[2])).toEqual(roster.servers.map((e) => `${serverService(e)}:${e.port}`))
      expect(lb.environment).toEqual({ LB_HEALTH_PORT: String(LB_HEALTH_PORT) })
      // Docker's DNS, asked again while it runs (an upstream block would resolve the names once, at start).
      expect(conf).toMatch(/^ {2}resolver 127\.0\.0\.11 valid=\d+s ipv6=off;$/m)
    })

    it("waits for a healthy database and one finished migration, and lets only migrate run migrations", () => {
      const migrated = { db: { condition: "service_healthy" }, migrate: { condition: "service_completed_successfully" } }
      for (const name of ["dashboard", ...roster.servers.map(serverService)]) {
        expect(services[name]!.depends_on, name).toEqual(migrated)
        expect(services[name]!.environment!.DB_MIGRATE, name).toBe("false")
      }
      expect(services.migrate!.restart).toBe("no")
      expect(services.migrate!.depends_on).toEqual({ db: { condition: "service_healthy" } })
    })

    it("runs every program with an init, directly with node, and no password in a variable", () => {
      for (const [name, service] of Object.entries(services)) {
        const env = service.environment ?? {}
        for (const key of Object.keys(env)) expect(key, `${name}: ${key}`).not.toMatch(/^(MYSQL_PASSWORD|MYSQL_ROOT_PASSWORD|DB_PASS|PMA_PASSWORD)$/)
        if (service.image !== "scoreline:0.1.0") continue
        expect(service.init, name).toBe(true)
        expect(programOf(service), name).toBeDefined()
      }
      expect(services.phpmyadmin!.profiles).toEqual(["tools"])
      expect(services.phpmyadmin!.ports!.every((port) => port.startsWith("127.0.0.1:"))).toBe(true)
    })
  })
}

describe("the seeds' own layouts, as their documents describe them", () => {
  const servers = (file: string, profile: string) =>
    Object.entries(readCompose(file).services).filter(([, s]) => programOf(s) === "server" && s.profiles?.includes(profile)).map(([name]) => name).sort()

  it("seed 001: --profile python starts Afif, Syahmi and Irfan, --profile c Hairiel and Faiz, each adding 10 points", () => {
    expect(servers("compose.seed001.yml", "python")).toEqual(["server-afif", "server-irfan", "server-syahmi"])
    expect(servers("compose.seed001.yml", "c")).toEqual(["server-faiz", "server-hairiel"])
    for (const service of servers("compose.seed001.yml", "all")) {
      expect(readCompose("compose.seed001.yml").services[service]!.environment!.POINTS_PER_TICK, service).toBe("10")
    }
  })

  it("seed 002: --profile c starts the c_user servers, --profile python the python_user ones", () => {
    expect(servers("compose.seed002.yml", "c")).toEqual(["server-c_user-akmal", "server-c_user-azmeer", "server-c_user-hasif"])
    expect(servers("compose.seed002.yml", "python")).toEqual(["server-python_user-akmal", "server-python_user-azmeer", "server-python_user-hasif"])
  })

  it("seed 000: ikhwan and fadhil are C, jerry and khalid Python", () => {
    expect(servers("compose.yml", "c")).toEqual(["server-fadhil", "server-ikhwan"])
    expect(servers("compose.yml", "python")).toEqual(["server-jerry", "server-khalid"])
  })
})

describe("secrets and .env.example", () => {
  const text = (file: string) => Fs.readFileSync(Path.join(ROOT, file), "utf8")
  const variables = (file: string) => [...text(file).matchAll(/(?<!\$)\$\{([A-Z0-9_]+)[:?}-]/g)].map((m) => m[1]!)

  it("documents every variable the compose files read", () => {
    const documented = new Set([...text(".env.example").matchAll(/^([A-Z0-9_]+)=/gm)].map((m) => m[1]!))
    for (const layout of LAYOUTS) {
      for (const variable of variables(layout.file)) expect(documented.has(variable), `${layout.file}: ${variable}`).toBe(true)
    }
  })

  it("keeps passwords (Grafana's too) and the admin token in files under secrets/, which git ignores", () => {
    const secrets = base.secrets as Record<string, { file: string }>
    expect(Object.keys(secrets).sort()).toEqual(["admin_token", "broker_url", "db_migrate_password", "db_password", "db_root_password", "grafana_admin_password", "rabbitmq_credentials"])
    for (const secret of Object.values(secrets)) expect(secret.file).toMatch(/^\.\/secrets\//)
    expect(text(".gitignore")).toMatch(/^secrets\/$/m)
    expect(text(".dockerignore")).toMatch(/^secrets$/m)
  })
})

/**
 * Compose without Docker: every variable a compose service sets is one its program reads when run with tsx.
 * `--help` names each setting (and server/stack/migrate the database ones); LOG_LEVEL and LOG_FORMAT are read
 * by runProgram for every program.
 */
describe("every compose setting is a program setting", () => {
  const EVERY_PROGRAM = ["LOG_LEVEL", "LOG_FORMAT"]
  const programs = new Map<string, Set<string>>()
  for (const layout of LAYOUTS) {
    for (const service of Object.values(layout.compose.services)) {
      const program = programOf(service)
      if (program === undefined) continue
      const keys = programs.get(program) ?? new Set<string>()
      for (const key of Object.keys(service.environment ?? {})) keys.add(key)
      programs.set(program, keys)
    }
  }
  for (const [program, keys] of programs) {
      it(`${program} reads ${[...keys].join(", ")}`, { timeout: 120_000 }, async () => {
        const file = Path.join(ROOT, "src/programs", `${program}.ts`)
        expect(Fs.existsSync(file), `compose runs dist/${program}.mjs, but src/programs/${program}.ts does not exist`).toBe(true)
        const { code, stdout } = await runCommand(process.execPath, ["--import", "tsx", file, "--help"], { env: { NO_COLOR: "1" }, timeoutMs: 90_000 })
        expect(code).toBe(0)
        for (const key of keys) {
          if (!EVERY_PROGRAM.includes(key)) expect(stdout, `${program} --help does not name ${key}`).toMatch(new RegExp(`\\b${key}\\b`))
        }
      })
  }
})

// parseCompose is what Compose sees; a quick guard that the generated files quote what YAML 1.1 would misread.
it("the layout files quote port mappings (YAML 1.1 reads a bare 5001:5001 as a number)", () => {
  for (const roster of LAYOUT_ROSTERS) {
    const text = Fs.readFileSync(Path.join(ROOT, layoutFile(roster)), "utf8")
    expect(text).not.toMatch(/- \d+:\d+/)
    expect(parseCompose(text).services).toBeDefined()
  }
})
