// The load balancer's configuration: nginx's stream module, one TCP or UDP listener per roster user on the
// user's own port, in front of however many replicas of that user's server run (docs/SCALING.md). Written
// for nginx 1.22 (Debian bookworm, which the tests run) and later; compose mounts it as /etc/nginx/nginx.conf.
import { dnsLabelOf } from "../../src/schema/DnsLabel.js"
import type { Roster, RosterEntry } from "../../src/schema/Roster.js"

/** The bounds docs/SCALING.md states, in seconds: each is a directive below. */
export const BOUNDS = {
  /** How long nginx keeps Docker's answer for a user's replicas: a scaled up or stopped replica is in or out within this. */
  resolveValid: 1,
  /** A replica that neither accepts nor refuses a TCP connection within this is skipped for the next one. */
  connectTimeout: 1,
  /** A UDP request's session waits this long for the replica's reply. */
  udpReplyTimeout: 3,
  /** A TCP connection with no bytes either way for this long is closed (above the servers' own IDLE_TIMEOUT, 60 s). */
  tcpIdleTimeout: 600,
  /** `docker compose stop` (SIGQUIT): connections still open after this are closed, and nginx exits 0. */
  shutdown: 5,
  /** Slots only: a slot that failed (no replica there) is left out this long before it is tried again. */
  slotRetry: 2
} as const

/** How nginx finds a user's replicas. */
export type ReplicaSet =
  /**
   * By name, asked again every `resolveValid` seconds: Docker's DNS answers a compose service's name with one
   * address per replica (`--scale`). Open-source nginx 1.22 resolves an `upstream` block's names only at start,
   * so the name goes through a variable, which `resolver` resolves while it runs.
   */
  | { readonly _tag: "Dns"; readonly resolver: string; readonly replicaAt: (entry: RosterEntry) => { readonly host: string; readonly port: number } }
  /**
   * At fixed addresses, one per replica slot, where replicas cannot share a port (host networking: the compose
   * test). A slot with no replica refuses; nginx skips it for `slotRetry` seconds.
   */
  | { readonly _tag: "Slots"; readonly slotsOf: (entry: RosterEntry) => ReadonlyArray<string> }

export interface NginxOptions {
  /** Named in the header: what the file is generated from. */
  readonly source: string
  /** The address every listener binds (none: every interface, as in a container). */
  readonly listenHost?: string
  /** The port the user is reached at: the roster's own in compose. */
  readonly listenPort: (entry: RosterEntry) => number
  /** A TCP port on 127.0.0.1 that answers `ok`: the container's healthcheck. */
  readonly healthPort: number
  readonly replicas: ReplicaSet
  /** Where the master writes its pid: a place the unprivileged user may write. */
  readonly pidFile: string
  /**
   * Debian builds the stream module as a module, loaded by the package's modules-enabled/*.conf (in the official
   * image it is built in and that folder does not exist, so the include matches nothing); or the module's file.
   */
  readonly streamModule: { readonly _tag: "ModulesEnabled" } | { readonly _tag: "File"; readonly path: string }
}

const listen = (options: NginxOptions, entry: RosterEntry) => {
  const address = options.listenHost === undefined ? String(options.listenPort(entry)) : `${options.listenHost}:${options.listenPort(entry)}`
  // reuseport: each worker has its own UDP socket, so a client's datagrams stay with one worker's session.
  return entry.transport === "udp" ? `${address} udp reuseport` : address
}

/** What a session does once it has picked a replica: the same for both replica sets. */
const sessionLines = (entry: RosterEntry) =>
  entry.transport === "udp"
    ? [
      "# One reply ends a UDP session; a replica that gave none within this is given up.",
      "proxy_responses 1;",
      `proxy_timeout ${BOUNDS.udpReplyTimeout}s;`
    ]
    : [`proxy_timeout ${BOUNDS.tcpIdleTimeout}s;`]

const upstreamName = (entry: RosterEntry) => `points-${dnsLabelOf(entry.user)}`

const userBlocks = (options: NginxOptions, entry: RosterEntry): Array<string> => {
  const replicas = options.replicas
  const title = `# ${entry.user} (${entry.transport}${entry.group === undefined ? "" : `, ${entry.group}`})`
  if (replicas._tag === "Dns") {
    const at = replicas.replicaAt(entry)
    return [
      title,
      "server {",
      ...[
        `listen ${listen(options, entry)};`,
        `set $replicas ${at.host}:${at.port};`,
        "proxy_pass $replicas;",
        ...sessionLines(entry)
      ].map(indent),
      "}"
    ]
  }
  return [
    title,
    `upstream ${upstreamName(entry)} {`,
    ...replicas.slotsOf(entry).map((slot) => indent(`server ${slot} max_fails=1 fail_timeout=${BOUNDS.slotRetry}s;`)),
    "}",
    "server {",
    ...[`listen ${listen(options, entry)};`, `proxy_pass ${upstreamName(entry)};`, ...sessionLines(entry)].map(indent),
    "}"
  ]
}

const indent = (line: string) => (line === "" ? line : `  ${line}`)

const replicaSetLines = (replicas: ReplicaSet): Array<string> =>
  replicas._tag === "Dns"
    ? [
      `# The replicas of server-<user> are the addresses this DNS gives for its name, asked again every ${BOUNDS.resolveValid} s:`,
      "# a replica that --scale starts or stops joins or leaves the rotation within that, with no reload.",
      `resolver ${replicas.resolver} valid=${BOUNDS.resolveValid}s ipv6=off;`,
      "resolver_timeout 2s;"
    ]
    : ["# The replicas are at fixed slots, one port each (host networking: replicas cannot share a port)."]

/** The whole nginx.conf. */
export const nginxConf = (roster: Roster, options: NginxOptions): string =>
  [
    `# Generated by scripts/lb/Nginx.ts from ${options.source}: do not edit. See docs/SCALING.md.`,
    `# The load balancer of ${roster.name}: each user on their own port, TCP or UDP, spread over their server's replicas.`,
    options.streamModule._tag === "File" ? `load_module ${options.streamModule.path};` : "include /etc/nginx/modules-enabled/*.conf;",
    "worker_processes auto;",
    "# Runs as an unprivileged user: the pid where it may write, the log on stderr (docker compose logs).",
    `pid ${options.pidFile};`,
    "error_log stderr notice;",
    `# docker compose stop sends SIGQUIT: open connections get ${BOUNDS.shutdown} s to finish, then nginx exits 0.`,
    `worker_shutdown_timeout ${BOUNDS.shutdown}s;`,
    "",
    "events {",
    indent("worker_connections 4096;"),
    "}",
    "",
    "stream {",
    ...[
      ...replicaSetLines(options.replicas),
      "# A replica that refuses (stopping, or not listening yet) or does not answer is skipped for the next.",
      `proxy_connect_timeout ${BOUNDS.connectTimeout}s;`,
      "",
      "# The healthcheck's: nginx is up and its workers serve.",
      "server {",
      indent(`listen 127.0.0.1:${options.healthPort};`),
      indent('return "ok\\n";'),
      "}",
      ...roster.servers.flatMap((entry) => ["", ...userBlocks(options, entry)])
    ].map(indent),
    "}",
    ""
  ].join("\n")
