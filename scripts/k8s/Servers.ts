import type { IDeployment } from "kubernetes-models/apps/v1/Deployment"
import type { IPodDisruptionBudget } from "kubernetes-models/policy/v1/PodDisruptionBudget"
import type { IContainer } from "kubernetes-models/v1/Container"
import type { IService } from "kubernetes-models/v1/Service"
import type { RosterEntry } from "../../src/schema/Roster.js"
import { clientName, labels, selectorLabels, serverName } from "./Names.js"
import {
  containerSecurity,
  drainLifecycle,
  gracePeriodSeconds,
  mounts,
  podDefaults,
  PRE_STOP_SLEEP_SECONDS,
  probes,
  program,
  RESOURCES,
  settingsFrom
} from "./Pod.js"

/** Where a lone server serves its own metrics (METRICS_PORT; prom-client's conventional 9464). */
export const METRICS_PORT = 9464

export interface ServerOptions {
  readonly image: string
  readonly replicas: number
}

/**
 * How the kubelet knows a server works. TCP: the port accepts (the server binds only once its database is
 * ready and its row exists). UDP has no handshake to probe, so the project's own client asks for the
 * points, once, over UDP, and exits 0 only on a reply. `--interval 0`: the container's env carries
 * POLL_INTERVAL from the settings, which would make the probe poll forever.
 */
export const serverProbes = (entry: RosterEntry) =>
  entry.transport === "tcp"
    ? probes({ tcpSocket: { port: "points" } }, 2)
    : probes({
      exec: {
        command: [
          "node", "dist/client.mjs", "--transport", "udp", "--host", "127.0.0.1", "--port", String(entry.port),
          "--tries", "1", "--timeout", "2", "--interval", "0"
        ]
      }
    }, 5)

const protocolOf = (entry: RosterEntry) => (entry.transport === "tcp" ? "TCP" : "UDP")

/** One user's server: `replicas` copies, safe because the ledger adds one point per interval in total. */
export const serverDeployment = (entry: RosterEntry, slug: string, options: ServerOptions): IDeployment => {
  const container: IContainer = {
    name: "server",
    ...program("server", options.image),
    env: [
      { name: "SERVER_USER", value: entry.user },
      { name: "SERVER_PORT", value: String(entry.port) },
      { name: "TRANSPORT", value: entry.transport },
      // Seed 001's servers add 10 a tick; the ledger still counts one claim per interval.
      ...(entry.pointsPerTick === undefined ? [] : [{ name: "POINTS_PER_TICK", value: String(entry.pointsPerTick) }]),
      // The migrate Job owns the schema; replicas never race to migrate it.
      { name: "DB_MIGRATE", value: "false" },
      { name: "METRICS_PORT", value: String(METRICS_PORT) }
    ],
    envFrom: settingsFrom,
    ports: [
      { name: "points", containerPort: entry.port, protocol: protocolOf(entry) },
      { name: "metrics", containerPort: METRICS_PORT, protocol: "TCP" }
    ],
    ...serverProbes(entry),
    lifecycle: drainLifecycle,
    resources: RESOURCES.server,
    securityContext: containerSecurity,
    volumeMounts: mounts({ secrets: true })
  }
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: serverName(slug), labels: labels("points-server", slug, entry.group), annotations: { "scoreline/user": entry.user } },
    spec: {
      replicas: options.replicas,
      selector: { matchLabels: selectorLabels("points-server", slug) },
      // A new pod is ready before an old one goes: the user's port never has no server behind it.
      strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      template: {
        metadata: {
          labels: labels("points-server", slug, entry.group),
          annotations: { "prometheus.io/scrape": "true", "prometheus.io/port": String(METRICS_PORT), "prometheus.io/path": "/metrics" }
        },
        spec: {
          ...podDefaults({ secrets: true }),
          terminationGracePeriodSeconds: gracePeriodSeconds(PRE_STOP_SLEEP_SECONDS),
          // Replicas on different nodes where the cluster has them, so one node's loss leaves a server.
          topologySpreadConstraints: [{
            maxSkew: 1,
            topologyKey: "kubernetes.io/hostname",
            whenUnsatisfiable: "ScheduleAnyway",
            labelSelector: { matchLabels: selectorLabels("points-server", slug) }
          }],
          containers: [container]
        }
      }
    }
  }
}

/** The user's stable address, on the roster's port and protocol; clients and the dashboard dial it. */
export const serverService = (entry: RosterEntry, slug: string): IService => ({
  apiVersion: "v1",
  kind: "Service",
  metadata: { name: serverName(slug), labels: labels("points-server", slug, entry.group) },
  spec: {
    type: "ClusterIP",
    selector: selectorLabels("points-server", slug),
    ports: [{ name: "points", port: entry.port, targetPort: "points", protocol: protocolOf(entry) }]
  }
})

/** A node drain evicts one replica at a time; with any replica count (maxUnavailable, not minAvailable). */
export const serverDisruptionBudget = (entry: RosterEntry, slug: string): IPodDisruptionBudget => ({
  apiVersion: "policy/v1",
  kind: "PodDisruptionBudget",
  metadata: { name: serverName(slug), labels: labels("points-server", slug, entry.group) },
  spec: { maxUnavailable: 1, selector: { matchLabels: selectorLabels("points-server", slug) } }
})

/**
 * The user's polling client, one Deployment per server (as compose runs one client per server): its logs
 * are that user's (`kubectl logs deploy/client-<user>`), and a user's server and client come and go together.
 */
export const clientDeployment = (entry: RosterEntry, slug: string, options: ServerOptions): IDeployment => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: clientName(slug), labels: labels("points-client", slug, entry.group), annotations: { "scoreline/user": entry.user } },
  spec: {
    replicas: 1,
    selector: { matchLabels: selectorLabels("points-client", slug) },
    template: {
      metadata: { labels: labels("points-client", slug, entry.group) },
      spec: {
        ...podDefaults({ secrets: false }),
        // Nothing routes to a client: no preStop, only the drain bound and a margin.
        terminationGracePeriodSeconds: gracePeriodSeconds(0),
        containers: [{
          name: "client",
          ...program("client", options.image),
          env: [
            { name: "TARGET_HOST", value: serverName(slug) },
            { name: "TARGET_PORT", value: String(entry.port) },
            { name: "TRANSPORT", value: entry.transport },
            { name: "CLIENT_DIALECT", value: entry.dialect }
          ],
          // POLL_INTERVAL (and LOG_*) from the settings.
          envFrom: settingsFrom,
          resources: RESOURCES.client,
          securityContext: containerSecurity,
          volumeMounts: mounts({ secrets: false })
        }]
      }
    }
  }
})

