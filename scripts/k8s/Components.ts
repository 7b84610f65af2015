import type { IStatefulSet } from "kubernetes-models/apps/v1/StatefulSet"
import type { IIngress } from "kubernetes-models/networking.k8s.io/v1/Ingress"
import type { IService } from "kubernetes-models/v1/Service"
import { DASHBOARD, labels, MYSQL, NAMESPACE, SECRETS, selectorLabels } from "./Names.js"
import { DB_PASSWORD_KEY, MYSQL_ROOT_PASSWORD_KEY, SECRETS_DIR } from "./Pod.js"
import { METRICS_PORT } from "./Servers.js"

// Optional pieces, each a kustomize Component an overlay lists under `components:`. Their objects name the
// namespace themselves: a component's resources get the including overlay's `namespace:` only if it has one.

/**
 * The dashboard behind the cluster's default ingress controller, on every host name (add `host:` and `tls:`
 * in your overlay). The live page is a Server-Sent Events stream: ingress-nginx must not buffer it, nor cut
 * it after its default 60 s.
 */
export const ingress: IIngress = {
  apiVersion: "networking.k8s.io/v1",
  kind: "Ingress",
  metadata: {
    name: DASHBOARD,
    namespace: NAMESPACE,
    labels: labels("dashboard"),
    annotations: {
      "nginx.ingress.kubernetes.io/proxy-buffering": "off",
      "nginx.ingress.kubernetes.io/proxy-read-timeout": "3600"
    }
  },
  spec: {
    rules: [{
      http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: DASHBOARD, port: { name: "http" } } } }] }
    }]
  }
}

/** prometheus-operator's ServiceMonitor (monitoring.coreos.com/v1), the fields used here. */
export interface ServiceMonitor {
  readonly apiVersion: "monitoring.coreos.com/v1"
  readonly kind: "ServiceMonitor"
  readonly metadata: { readonly name: string; readonly namespace: string; readonly labels: Record<string, string> }
  readonly spec: {
    readonly selector: { readonly matchLabels: Record<string, string> }
    /** The Service label whose value becomes the targets' `job` (else the Service's name). */
    readonly jobLabel?: string
    readonly endpoints: ReadonlyArray<{ readonly port: string; readonly path: string; readonly interval: string }>
  }
}

export const METRICS_LABEL = "scoreline/metrics"
/**
 * The servers' targets get job `scoreline-server`, as under Compose: ScorelineServerDown matches
 * `up{job=~"scoreline-server.*"}`, and prometheus-operator would otherwise name the job after the Service.
 */
export const JOB_LABEL = "scoreline/job"
export const SERVER_JOB = "scoreline-server"

/**
 * One headless Service over every server pod's metrics port, so the per-user Services stay single-protocol
 * (a UDP server's Service carries only its UDP port).
 */
export const pointsMetricsService: IService = {
  apiVersion: "v1",
  kind: "Service",
  metadata: { name: "scoreline-points-metrics", namespace: NAMESPACE, labels: { ...labels("points-server"), [METRICS_LABEL]: "points", [JOB_LABEL]: SERVER_JOB } },
  spec: {
    clusterIP: "None",
    selector: selectorLabels("points-server"),
    ports: [{ name: "metrics", port: METRICS_PORT, targetPort: "metrics", protocol: "TCP" }]
  }
}

const serviceMonitor = (name: string, matchLabels: Record<string, string>, port: string, jobLabel?: string): ServiceMonitor => ({
  apiVersion: "monitoring.coreos.com/v1",
  kind: "ServiceMonitor",
  metadata: { name, namespace: NAMESPACE, labels: { "app.kubernetes.io/part-of": "scoreline" } },
  spec: { selector: { matchLabels }, ...(jobLabel === undefined ? {} : { jobLabel }), endpoints: [{ port, path: "/metrics", interval: "30s" }] }
})

export const serviceMonitors: ReadonlyArray<ServiceMonitor> = [
  serviceMonitor("scoreline-points", { [METRICS_LABEL]: "points" }, "metrics", JOB_LABEL),
  serviceMonitor(DASHBOARD, selectorLabels("dashboard"), "http")
]

const MYSQL_UID = 999

/** A real query over TCP with the app's own credentials: `mysqladmin ping` answers during init (ops.md §1). */
const mysqlQuery = [
  "sh", "-c",
  `MYSQL_PWD="$(cat ${SECRETS_DIR}/${DB_PASSWORD_KEY})" exec mysql --protocol=TCP -h 127.0.0.1 -u "$MYSQL_USER" -e "SELECT 1" "$MYSQL_DATABASE"`
]

/**
 * MySQL 8 in the cluster, one pod with its own volume, for trying scoreline out. For real use an external,
 * managed database is recommended: backups, upgrades and failover are its job, and a single-pod
 * StatefulSet has none of them (its volume is also tied to one zone).
 */
export const mysqlStatefulSet: IStatefulSet = {
  apiVersion: "apps/v1",
  kind: "StatefulSet",
  metadata: { name: MYSQL, namespace: NAMESPACE, labels: labels("database") },
  spec: {
    serviceName: MYSQL,
    replicas: 1,
    selector: { matchLabels: selectorLabels("database") },
    template: {
      metadata: { labels: labels("database") },
      spec: {
        automountServiceAccountToken: false,
        enableServiceLinks: false,
        securityContext: {
          runAsNonRoot: true,
          runAsUser: MYSQL_UID,
          runAsGroup: MYSQL_UID,
          fsGroup: MYSQL_UID,
          seccompProfile: { type: "RuntimeDefault" }
        },
        terminationGracePeriodSeconds: 60,
        containers: [{
          name: "mysql",
          image: "mysql:8.4",
          // The app writes and reads DATETIME in TIME_ZONE (UTC); the server's NOW() must agree.
          args: ["--default-time-zone=+00:00"],
          env: [
            { name: "MYSQL_DATABASE", value: "scoreline" },
            { name: "MYSQL_USER", value: "scoreline" },
            { name: "MYSQL_PASSWORD_FILE", value: `${SECRETS_DIR}/${DB_PASSWORD_KEY}` },
            { name: "MYSQL_ROOT_PASSWORD_FILE", value: `${SECRETS_DIR}/${MYSQL_ROOT_PASSWORD_KEY}` }
          ],
          ports: [{ name: "mysql", containerPort: 3306, protocol: "TCP" }],
          // The first start initialises the data directory with networking off: up to five minutes.
          startupProbe: { exec: { command: mysqlQuery }, periodSeconds: 5, timeoutSeconds: 5, failureThreshold: 60 },
          readinessProbe: { exec: { command: mysqlQuery }, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 },
          livenessProbe: { tcpSocket: { port: "mysql" }, periodSeconds: 20, timeoutSeconds: 5, failureThreshold: 3 },
          resources: { requests: { cpu: "250m", memory: "512Mi" }, limits: { cpu: "1", memory: "1Gi" } },
          securityContext: {
            runAsNonRoot: true,
            readOnlyRootFilesystem: true,
            allowPrivilegeEscalation: false,
            capabilities: { drop: ["ALL"] }
          },
          volumeMounts: [
            { name: "data", mountPath: "/var/lib/mysql" },
            { name: "run", mountPath: "/var/run/mysqld" },
            { name: "tmp", mountPath: "/tmp" },
            { name: "secrets", mountPath: SECRETS_DIR, readOnly: true }
          ]
        }],
        volumes: [
          { name: "run", emptyDir: {} },
          { name: "tmp", emptyDir: {} },
          {
            name: "secrets",
            secret: {
              secretName: SECRETS,
              defaultMode: 0o440,
              items: [{ key: DB_PASSWORD_KEY, path: DB_PASSWORD_KEY }, { key: MYSQL_ROOT_PASSWORD_KEY, path: MYSQL_ROOT_PASSWORD_KEY }]
            }
          }
        ]
      }
    },
    volumeClaimTemplates: [{
      metadata: { name: "data" },
      spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } }
    }]
  }
}

/** The StatefulSet's governing (headless) Service; DB_HOST names it. */
export const mysqlService: IService = {
  apiVersion: "v1",
  kind: "Service",
  metadata: { name: MYSQL, namespace: NAMESPACE, labels: labels("database") },
  spec: {
    clusterIP: "None",
    selector: selectorLabels("database"),
    ports: [{ name: "mysql", port: 3306, targetPort: "mysql", protocol: "TCP" }]
  }
}
