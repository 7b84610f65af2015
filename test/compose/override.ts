import * as Path from "node:path"
import { type ComposeFile, LB_HEALTH_PORT, LB_SERVICE, programOf, serverService, type Service } from "../../scripts/compose-layouts.js"
import { GRAFANA_PORT, PROMETHEUS_PORT, PROMETHEUS_SERVICE, RULES_IN_CONTAINER } from "../../scripts/compose-monitoring.js"
import { nginxConf } from "../../scripts/lb/Nginx.js"
import type { Roster } from "../../src/schema/Roster.js"

/**
 * The test's override for a compose file: every service on the host's network (no Docker bridge, all traffic
 * on this machine's loopback), every `*_HOST` at 127.0.0.1 and every `*_PORT` moved off the ports the
 * machine's own services hold (MariaDB has 3306) into 35000-35999, and the secrets from the test's directory.
 * The programs and images read these settings from their environment, so nothing else changes.
 *
 * Replicas, on the host's network: under compose each replica of `server-<user>` has an address of its own and
 * listens on the user's port, and lb finds them all through Docker's DNS. On the host's network there is
 * neither: every replica would bind the same port, and no DNS names them. So lb listens on the user's test
 * port (35001…) and each server replica takes a port of its own, one of REPLICA_SLOTS slots per user
 * (`replicaPorts`): a wrapper around the server's command takes the first slot whose lock file (in a folder
 * every replica mounts) it can lock, holds the lock for the replica's life, and runs the server on that port
 * (and its /metrics on the port 1000 above). lb runs `hostNetworkLbConf`, the same generator's config with the
 * slots for replica sets; a slot with no replica refuses, and nginx skips it (docs/SCALING.md).
 */
export const testPort = (port: number): number => {
  if (port === 3306) return 3307
  if (port > 5000 && port < 5100) return 35000 + port - 5000
  if (port > 6000 && port < 6100) return 35100 + port - 6000
  // 9100 is every server's METRICS_PORT, which the replica wrapper below replaces with its slot's; 3000 is Grafana's (never run here).
  const fixed: Record<number, number> = {
    80: 35281, 8080: 35280, [LB_HEALTH_PORT]: 35279, 8090: 35290, 9100: 35291, [PROMETHEUS_PORT]: 35292, [GRAFANA_PORT]: 35293,
    // RabbitMQ (profile events): AMQP, its management UI, and its Erlang distribution port (the host's own
    // RabbitMQ holds 5672 and 25672).
    5672: 35295, 15672: 35296, 25672: 35297,
    10000: 35300, 10001: 35301
  }
  const moved = fixed[port]
  if (moved === undefined) throw new Error(`no test port for ${port}: add one to test/compose/override.ts`)
  return moved
}

/** Replicas a user's server may run as in the compose test: the slots lb knows. */
export const REPLICA_SLOTS = 3
/** The ports of a user's replica slots (36001, 36201, 36401 for 5001): clear of every test port and of each other. */
export const replicaPorts = (port: number): ReadonlyArray<number> =>
  Array.from({ length: REPLICA_SLOTS }, (_, slot) => testPort(port) + 1000 + 200 * slot)
/** A replica serves its /metrics this far above its slot's port. */
const METRICS_ABOVE = 1000
export const replicaMetricsPort = (slotPort: number) => slotPort + METRICS_ABOVE

/** lb's config on the host's network: each user on its test port, its replicas at their slots. */
export const hostNetworkLbConf = (roster: Roster): string =>
  nginxConf(roster, {
    source: `rosters/${roster.name}.json, for the compose test's host network (test/compose/override.ts)`,
    listenHost: "127.0.0.1",
    listenPort: (entry) => testPort(entry.port),
    healthPort: testPort(LB_HEALTH_PORT),
    replicas: { _tag: "Slots", slotsOf: (entry) => replicaPorts(entry.port).map((port) => `127.0.0.1:${port}`) },
    pidFile: "/tmp/nginx.pid",
    streamModule: { _tag: "ModulesEnabled" }
  })

/**
 * Prometheus's configuration on the host's network: no Docker DNS finds the replicas, so each user's first
 * replica slot's /metrics is a static target (the test scrapes before it scales), and the dashboard's on its
 * test port. The job names and rules are the generated configuration's (monitoring/prometheus/<roster>.yml).
 */
export const hostNetworkPrometheusConfig = (roster: Roster) => ({
  global: { scrape_interval: "2s", evaluation_interval: "2s" },
  rule_files: [RULES_IN_CONTAINER],
  scrape_configs: [
    { job_name: "scoreline-dashboard", static_configs: [{ targets: [`127.0.0.1:${testPort(8080)}`] }] },
    {
      job_name: "scoreline-server",
      static_configs: roster.servers.map((entry) => ({
        targets: [`127.0.0.1:${replicaMetricsPort(replicaPorts(entry.port)[0]!)}`],
        labels: { service: serverService(entry) }
      }))
    }
  ]
})

/** The image compose's events profile names for RabbitMQ (built as a stand-in by standins/build.sh). */
export const RABBITMQ_IMAGE = "rabbitmq:3.13-management"

/** RabbitMQ's listeners on the host's network (conf.d/90-test-ports.conf: later files win). */
export const hostNetworkRabbitmqConf = () =>
  [
    `listeners.tcp.default = ${testPort(5672)}`,
    `management.tcp.port = ${testPort(15672)}`,
    "management.tcp.ip = 127.0.0.1",
    ""
  ].join("\n")

/** Compose reads `$$` as a literal `$`. */
const literal = (text: string) => text.replaceAll("$", () => "$$")

/** The replica's command: the first free slot, locked for the replica's life (the lock goes with its process). */
const takeASlot = literal([
  "for port in $REPLICA_PORTS; do",
  "  exec 9> \"/replica-slots/$port.lock\"",
  "  if flock --nonblock 9; then",
  "    echo \"$port\" > /tmp/replica-port",
  `    SERVER_PORT="$port" METRICS_PORT="$((port + ${METRICS_ABOVE}))" exec node dist/server.mjs`,
  "  fi",
  "done",
  "echo \"error: REPLICA_PORTS: every slot is taken ($REPLICA_PORTS)\" >&2",
  "exit 1"
].join("\n"))

const isHost = (key: string) => /(^|_)HOST$/.test(key)
const isPort = (key: string) => /(^|_)PORT$/.test(key)

const overrideService = (service: Service, dir: string): Record<string, unknown> => {
  const environment: Record<string, string> = {}
  for (const [key, value] of Object.entries(service.environment ?? {})) {
    if (isHost(key)) environment[key] = "127.0.0.1"
    else if (isPort(key) && /^\d+$/.test(value)) environment[key] = String(testPort(Number(value)))
  }
  const override: Record<string, unknown> = { network_mode: "host" }
  if (service.image === "mysql:8") {
    // The server's own port and address; MYSQL_TCP_PORT is the port its healthcheck's client uses.
    override.command = [...(service.command ?? []), `--port=${testPort(3306)}`, "--bind-address=127.0.0.1"]
    environment.MYSQL_TCP_PORT = String(testPort(3306))
  }
  if (service.image === "phpmyadmin") environment.APACHE_PORT = String(testPort(80))
  if (service.image === RABBITMQ_IMAGE) {
    // Beside the host's RabbitMQ (node rabbit@localhost, the same epmd): a node name and ports of its own.
    environment.RABBITMQ_NODENAME = "scoreline-test@localhost"
    environment.RABBITMQ_DIST_PORT = String(testPort(25672))
    override.volumes = [`${Path.join(dir, "rabbitmq-ports.conf")}:/etc/rabbitmq/conf.d/90-test-ports.conf:ro`]
  }
  if (programOf(service) === "server") {
    environment.REPLICA_PORTS = replicaPorts(Number(service.environment!.SERVER_PORT)).join(" ")
    override.command = ["sh", "-c", takeASlot]
    override.volumes = [`${Path.join(dir, "replica-slots")}:/replica-slots`]
    // Its own slot's port, which the wrapper wrote down, not SERVER_PORT.
    override.healthcheck = { test: ["CMD-SHELL", literal("TARGET_PORT=\"$(cat /tmp/replica-port)\" node dist/client.mjs --tries 1 --timeout 3 > /dev/null")] }
  }
  if (Object.keys(environment).length > 0) override.environment = environment
  return override
}

/**
 * The override of `compose`: lb runs the config in file `lbConf`, Prometheus the one in `prometheusConf` with its
 * UI on a test port; the replicas' slot locks are in `dir`/replica-slots.
 */
export const makeOverride = (compose: ComposeFile, secretsDir: string, dir: string, lbConf: string, prometheusConf: string) => ({
  services: Object.fromEntries(Object.entries(compose.services).map(([name, service]) => {
    const override = overrideService(service, dir)
    if (name === LB_SERVICE) override.volumes = [`${lbConf}:/etc/nginx/nginx.conf:ro`]
    if (name === PROMETHEUS_SERVICE) {
      override.volumes = [`${prometheusConf}:/etc/prometheus/prometheus.yml:ro`]
      override.command = (service.command ?? []).map((flag) =>
        flag.startsWith("--web.listen-address=") ? `--web.listen-address=127.0.0.1:${testPort(PROMETHEUS_PORT)}` : flag)
    }
    return [name, override]
  })),
  secrets: Object.fromEntries(
    Object.keys((compose.secrets ?? {}) as Record<string, unknown>).map((name) => [name, { file: Path.join(secretsDir, name) }])
  )
})
