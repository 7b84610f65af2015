// The compose services of a roster, and the compose files for the seed 001 and 002 layouts.
//
// compose.yml is written by hand for seed 000 (the default roster); its server, client and lb services are the
// ones `rosterServices` and `lbService` make, which test/compose/layouts.test.ts checks. compose.seed001.yml and
// compose.seed002.yml are compose.yml with its roster's services swapped for another roster's, lb/<roster>.conf
// is each layout's load balancer (scripts/lb/Nginx.ts) and docs/scaling.svg its picture, written here:
//   npm run compose:layouts            (rewrite them)
//   npm run compose:layouts -- --check (exit 1 if one is out of date)
import { Schema } from "effect"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import * as Yaml from "yaml"
import { type Roster, RosterFromJson, type RosterEntry } from "../src/schema/Roster.js"
import { DIAGRAM_FILE, scalingDiagram } from "./lb/Diagram.js"
import { nginxConf } from "./lb/Nginx.js"
import { PROMETHEUS_SERVICE, prometheusService, SERVER_METRICS_PORT } from "./compose-monitoring.js"

export const ROOT = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "..")

/** A service as the compose file spells it (the parts this script reads are typed where it reads them). */
export type Service = Record<string, unknown> & {
  readonly command?: ReadonlyArray<string>
  readonly environment?: Record<string, string>
  readonly profiles?: ReadonlyArray<string>
  readonly ports?: ReadonlyArray<string>
  readonly volumes?: ReadonlyArray<string>
}
export interface ComposeFile {
  readonly services: Record<string, Service>
  readonly [key: string]: unknown
}

/** A compose file with its anchors and `<<` merges resolved, as Compose itself reads it. */
export const parseCompose = (text: string): ComposeFile => Yaml.parse(text, { merge: true }) as ComposeFile

export const readCompose = (file: string): ComposeFile => parseCompose(Fs.readFileSync(Path.resolve(ROOT, file), "utf8"))

export const readRoster = (name: string): Roster =>
  Schema.decodeUnknownSync(RosterFromJson)(Fs.readFileSync(Path.join(ROOT, "rosters", `${name}.json`), "utf8"))

/** The user's name as a service-name suffix and a profile: lower case, Compose's characters only. */
export const profileOf = (user: string) => user.toLowerCase().replace(/[^a-z0-9_.-]+/g, "-")
export const serverService = (entry: RosterEntry) => `server-${profileOf(entry.user)}`
export const clientService = (entry: RosterEntry) => `client-${profileOf(entry.user)}`

/** The profiles of a user's services: the user's own, the transport, the group if any, and `all`. */
export const profilesOf = (entry: RosterEntry) => [profileOf(entry.user), entry.transport, ...(entry.group === undefined ? [] : [entry.group]), "all"]

/** The published port: UDP needs the suffix, or Compose publishes TCP. */
export const publishedPort = (entry: RosterEntry) => entry.transport === "udp" ? `${entry.port}:${entry.port}/udp` : `${entry.port}:${entry.port}`

/** Which program a service runs (`node dist/<program>.mjs`), if it runs one of ours. */
export const programOf = (service: Service): string | undefined => {
  const script = service.command?.[1]
  return service.command?.[0] === "node" && script !== undefined ? /^dist\/(.+)\.mjs$/.exec(script)?.[1] : undefined
}

const isRosterService = (service: Service) => programOf(service) === "server" || programOf(service) === "client"

/**
 * The load balancer (docs/SCALING.md): every user's port is published here, not by the user's server, so
 * `--scale server-<user>=N` starts N replicas that clients, the dashboard and the host reach through it.
 */
export const LB_SERVICE = "lb"
/** The official image's name; the compose test builds a stand-in under it from Debian's nginx. */
export const LB_IMAGE = "nginx:1.28"
/** The port its healthcheck reads `ok` from, on the container's loopback (an env var so the test can move it). */
export const LB_HEALTH_PORT = 8079
export const lbConfFile = (roster: string) => `lb/${roster}.conf`

/** A layout's lb/<roster>.conf: nginx in a container, replicas found through Docker's DNS. */
export const lbConfText = (roster: Roster) =>
  nginxConf(roster, {
    source: `rosters/${roster.name}.json (npm run compose:layouts)`,
    listenPort: (entry) => entry.port,
    healthPort: LB_HEALTH_PORT,
    // Docker's embedded DNS, on every network compose makes: it knows each service's replicas.
    replicas: { _tag: "Dns", resolver: "127.0.0.11", replicaAt: (entry) => ({ host: serverService(entry), port: entry.port }) },
    pidFile: "/tmp/nginx.pid",
    streamModule: { _tag: "ModulesEnabled" }
  })

export const lbService = (roster: Roster): Service => ({
  image: LB_IMAGE,
  restart: "unless-stopped",
  // The official image's unprivileged user: every port it listens on is above 1024.
  user: "nginx",
  // nginx's graceful stop (SIGTERM is its fast one): connections finish, within worker_shutdown_timeout.
  stop_signal: "SIGQUIT",
  stop_grace_period: "10s",
  volumes: [`./${lbConfFile(roster.name)}:/etc/nginx/nginx.conf:ro`],
  environment: { LB_HEALTH_PORT: String(LB_HEALTH_PORT) },
  ports: roster.servers.map(publishedPort),
  healthcheck: {
    test: ["CMD", "bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/$$LB_HEALTH_PORT && read -r -t 3 reply <&3 && [ \"$$reply\" = ok ]"],
    interval: "10s",
    timeout: "5s",
    retries: 3,
    start_period: "10s"
  }
})

/** The shared pieces compose.yml defines once (its `x-` fields). */
const part = <A>(base: ComposeFile, name: string): A => {
  const value = base[name]
  if (value === undefined) throw new Error(`compose.yml has no ${name}`)
  return structuredClone(value) as A
}

/**
 * One server and one polling client per roster entry, in profiles `<user>`, `<transport>`, `<group>` and `all`.
 * The server publishes no port (its replicas could not all bind it): the client, like everyone, goes through lb.
 */
export const rosterServices = (base: ComposeFile, roster: Roster): Record<string, Service> =>
  Object.fromEntries(roster.servers.flatMap((entry) => {
    const profiles = profilesOf(entry)
    const server: Service = {
      ...part<Service>(base, "x-app"),
      command: ["node", "dist/server.mjs"],
      profiles,
      environment: {
        ...part<Record<string, string>>(base, "x-db-env"),
        SERVER_USER: entry.user,
        SERVER_PORT: String(entry.port),
        TRANSPORT: entry.transport,
        SERVER_HOST: "0.0.0.0",
        // Prometheus scrapes every replica here (compose's monitoring profile).
        METRICS_PORT: String(SERVER_METRICS_PORT),
        UPDATE_INTERVAL: "${UPDATE_INTERVAL:-30}",
        ...(entry.pointsPerTick === undefined ? {} : { POINTS_PER_TICK: String(entry.pointsPerTick) })
      },
      // broker_url is read only when BROKER_URL_FILE names it (profile events).
      secrets: ["db_password", "broker_url"],
      healthcheck: part(base, "x-server-health"),
      depends_on: part(base, "x-migrated")
    }
    const client: Service = {
      ...part<Service>(base, "x-app"),
      command: ["node", "dist/client.mjs"],
      profiles,
      environment: {
        ...part<Record<string, string>>(base, "x-log-env"),
        TARGET_HOST: LB_SERVICE,
        TARGET_PORT: String(entry.port),
        TRANSPORT: entry.transport,
        CLIENT_DIALECT: entry.dialect,
        POLL_INTERVAL: "${POLL_INTERVAL:-10}"
      },
      healthcheck: { disable: true },
      depends_on: { [serverService(entry)]: { condition: "service_healthy" }, [LB_SERVICE]: { condition: "service_healthy" } }
    }
    return [[serverService(entry), server], [clientService(entry), client]]
  }))

/** The roster services of a compose file (its `server` and `client` programs). */
export const rosterServicesOf = (compose: ComposeFile): Record<string, Service> =>
  Object.fromEntries(Object.entries(compose.services).filter(([, service]) => isRosterService(service)))

/** compose.yml with its roster's services replaced by `roster`'s, in the same place; the anchors spelled out. */
export const layoutFor = (base: ComposeFile, roster: Roster): ComposeFile => {
  const services: Record<string, Service> = {}
  let placed = false
  for (const [name, service] of Object.entries(base.services)) {
    // The dashboard shows (and probes) the layout's roster.
    if (programOf(service) === "dashboard") services[name] = { ...service, environment: { ...service.environment, ROSTER: roster.name } }
    else if (name === LB_SERVICE) services[name] = lbService(roster)
    // Prometheus scrapes the layout's own servers.
    else if (name === PROMETHEUS_SERVICE) services[name] = prometheusService(roster.name)
    else if (!isRosterService(service)) services[name] = service
    else if (!placed) {
      Object.assign(services, rosterServices(base, roster))
      placed = true
    }
  }
  const rest = Object.fromEntries(Object.entries(base).filter(([key]) => !key.startsWith("x-") && key !== "services"))
  return { services, ...rest }
}

export const layoutFile = (roster: string) => `compose.${roster}.yml`

/** The groups a roster names, in the order they first appear. */
export const groupsOf = (roster: Roster) => [...new Set(roster.servers.flatMap((entry) => (entry.group === undefined ? [] : [entry.group])))]

export const layoutText = (base: ComposeFile, roster: Roster): string =>
  [
    `# Generated by \`npm run compose:layouts\` from compose.yml and rosters/${roster.name}.json: do not edit.`,
    `# ${roster.description}.`,
    `# docker compose -f ${layoutFile(roster.name)} up   (profiles as in compose.yml: each user, tcp, udp, ${groupsOf(roster).map((g) => `${g}, `).join("")}all, echo, messages, tools)`,
    // Quoted strings throughout: Compose's YAML 1.1 parser would read a bare 5001:5001 as a number.
    Yaml.stringify(layoutFor(base, roster), { defaultStringType: "QUOTE_DOUBLE", defaultKeyType: "PLAIN", lineWidth: 0, aliasDuplicateObjects: false })
  ].join("\n")

/** The rosters that get a layout file of their own (seed000 is compose.yml itself). */
export const LAYOUT_ROSTERS = ["seed001", "seed002"] as const

/** Every file this script writes, and its text. */
export const generatedFiles = (base: ComposeFile): Array<{ readonly file: string; readonly text: string }> => [
  ...LAYOUT_ROSTERS.map((name) => ({ file: layoutFile(name), text: layoutText(base, readRoster(name)) })),
  ...["seed000", ...LAYOUT_ROSTERS].map((name) => ({ file: lbConfFile(name), text: lbConfText(readRoster(name)) })),
  { file: DIAGRAM_FILE, text: scalingDiagram() }
]

if (process.argv[1] !== undefined && Path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const check = process.argv.includes("--check")
  let stale = 0
  for (const { file, text } of generatedFiles(readCompose("compose.yml"))) {
    const path = Path.join(ROOT, file)
    const current = Fs.existsSync(path) ? Fs.readFileSync(path, "utf8") : undefined
    if (current === text) continue
    if (check) {
      console.error(`${file} is out of date: run npm run compose:layouts`)
      stale++
    } else {
      Fs.mkdirSync(Path.dirname(path), { recursive: true })
      Fs.writeFileSync(path, text)
      console.log(`wrote ${file}`)
    }
  }
  process.exitCode = stale > 0 ? 1 : 0
}
