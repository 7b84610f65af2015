import type { IDeployment } from "kubernetes-models/apps/v1/Deployment"
import type { IJob } from "kubernetes-models/batch/v1/Job"
import type { INamespace } from "kubernetes-models/v1/Namespace"
import type { IService } from "kubernetes-models/v1/Service"
import { DASHBOARD, labels, MIGRATE, NAMESPACE, SECRETS, selectorLabels } from "./Names.js"
import {
  ADMIN_TOKEN_KEY,
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

/** The dashboard's HTTP_PORT (its default), where it also answers /healthz and /metrics. */
export const DASHBOARD_PORT = 8080

/** Every pod here passes the "restricted" Pod Security profile; the namespace enforces it. */
export const namespace: INamespace = {
  apiVersion: "v1",
  kind: "Namespace",
  metadata: {
    name: NAMESPACE,
    labels: {
      "app.kubernetes.io/part-of": "scoreline",
      "pod-security.kubernetes.io/enforce": "restricted",
      "pod-security.kubernetes.io/enforce-version": "latest"
    }
  }
}

/**
 * Migrations, once per apply, before anything needs them: servers and the dashboard run with
 * DB_MIGRATE=false. A server that starts first fails its start-up with one line and is restarted until the
 * tables exist. A Job's pod template cannot change: finished Jobs are removed after ten minutes, so a later
 * `kubectl apply -k` (a new image) creates it afresh and the migrations, idempotent, run again.
 */
export const migrateJob = (image: string): IJob => ({
  apiVersion: "batch/v1",
  kind: "Job",
  metadata: { name: MIGRATE, labels: labels("migrate") },
  spec: {
    // The database may still be starting (components/mysql's first start takes a minute).
    backoffLimit: 10,
    ttlSecondsAfterFinished: 600,
    template: {
      metadata: { labels: labels("migrate") },
      spec: {
        ...podDefaults({ secrets: true }),
        restartPolicy: "OnFailure",
        containers: [{
          name: "migrate",
          ...program("migrate", image),
          envFrom: settingsFrom,
          resources: RESOURCES.migrate,
          securityContext: containerSecurity,
          volumeMounts: mounts({ secrets: true })
        }]
      }
    }
  }
})

export const dashboardDeployment = (image: string): IDeployment => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: DASHBOARD, labels: labels("dashboard") },
  spec: {
    // One is enough: it serves from one shared database watcher; more would only multiply its queries.
    replicas: 1,
    selector: { matchLabels: selectorLabels("dashboard") },
    strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
    template: {
      metadata: {
        labels: labels("dashboard"),
        annotations: { "prometheus.io/scrape": "true", "prometheus.io/port": String(DASHBOARD_PORT), "prometheus.io/path": "/metrics" }
      },
      spec: {
        ...podDefaults({ secrets: true }),
        terminationGracePeriodSeconds: gracePeriodSeconds(PRE_STOP_SLEEP_SECONDS),
        containers: [{
          name: "dashboard",
          ...program("dashboard", image),
          env: [
            { name: "HTTP_PORT", value: String(DASHBOARD_PORT) },
            { name: "HTTP_HOST", value: "0.0.0.0" },
            // Each roster server is probed at its Service (scripts/k8s/Names.ts serverName).
            { name: "PROBE_HOST", value: "points-{slug}" },
            { name: "DB_MIGRATE", value: "false" },
            // Optional: without a token the control endpoints answer 403, so an open dashboard wipes nothing.
            { name: "ADMIN_TOKEN", valueFrom: { secretKeyRef: { name: SECRETS, key: ADMIN_TOKEN_KEY, optional: true } } }
          ],
          envFrom: settingsFrom,
          ports: [{ name: "http", containerPort: DASHBOARD_PORT, protocol: "TCP" }],
          ...probes({ httpGet: { path: "/healthz", port: "http" } }, 2),
          lifecycle: drainLifecycle,
          resources: RESOURCES.dashboard,
          securityContext: containerSecurity,
          volumeMounts: mounts({ secrets: true })
        }]
      }
    }
  }
})

export const dashboardService: IService = {
  apiVersion: "v1",
  kind: "Service",
  metadata: { name: DASHBOARD, labels: labels("dashboard") },
  spec: {
    type: "ClusterIP",
    selector: selectorLabels("dashboard"),
    ports: [{ name: "http", port: 80, targetPort: "http", protocol: "TCP" }]
  }
}
