import type { IContainer } from "kubernetes-models/v1/Container"
import type { IPodSpec } from "kubernetes-models/v1/PodSpec"
import type { IProbe } from "kubernetes-models/v1/Probe"
import type { IResourceRequirements } from "kubernetes-models/v1/ResourceRequirements"
import { SECRETS, SETTINGS } from "./Names.js"

/** The programs' own drain bound (`SHUTDOWN_TIMEOUT`, default 5 s), as the settings ConfigMap sets it. */
export const SHUTDOWN_TIMEOUT_SECONDS = 5

/**
 * How long a pod that is being deleted keeps serving before it is told to stop. Kubernetes removes the pod
 * from its Service's endpoints and sends the preStop hook at the same moment; kube-proxy on every node takes
 * a few seconds to stop routing to it, so a server that stopped accepting at once would refuse connections
 * (and drop datagrams) that were already on their way.
 */
export const PRE_STOP_SLEEP_SECONDS = 5

/**
 * The grace period counts from the start of preStop (ops.md §5): it must hold the sleep, the drain bound and
 * a margin, or the kubelet SIGKILLs a server in the middle of answering.
 */
export const gracePeriodSeconds = (preStopSeconds: number) => preStopSeconds + SHUTDOWN_TIMEOUT_SECONDS + 5

/** The image's unprivileged user (the official Node image's `node`, uid and gid 1000). */
export const NODE_UID = 1000

/** Where the Secret's one key a pod needs is mounted, and what DB_PASS_FILE says. */
export const SECRETS_DIR = "/run/secrets/scoreline"
export const DB_PASSWORD_KEY = "db-password"
export const ADMIN_TOKEN_KEY = "admin-token"
export const BROKER_URL_KEY = "broker-url"
export const MYSQL_ROOT_PASSWORD_KEY = "mysql-root-password"

/**
 * Requests and limits from measured RSS: `node dist/server.mjs` idles at about 78 MB (docs/BENCHMARKS.md,
 * "Where the memory goes"). The request, 128Mi (134 MB), leaves room for the pool, buffers and the heap's
 * growth under load; the limit doubles it, which also holds the
 * second `node dist/client.mjs` a UDP server's exec probe starts inside the same container. CPU is mostly
 * idle (one tick per UPDATE_INTERVAL); the limit only stops a runaway from starving its node.
 */
export const RESOURCES = {
  server: { requests: { cpu: "50m", memory: "128Mi" }, limits: { cpu: "500m", memory: "256Mi" } },
  client: { requests: { cpu: "10m", memory: "96Mi" }, limits: { cpu: "250m", memory: "192Mi" } },
  dashboard: { requests: { cpu: "50m", memory: "128Mi" }, limits: { cpu: "500m", memory: "256Mi" } },
  migrate: { requests: { cpu: "50m", memory: "128Mi" }, limits: { cpu: "500m", memory: "256Mi" } }
} as const satisfies Record<string, IResourceRequirements>

/** Non-root, nothing writable but the volumes, no privilege to gain: the Pod Security "restricted" profile. */
export const containerSecurity: NonNullable<IContainer["securityContext"]> = {
  runAsNonRoot: true,
  runAsUser: NODE_UID,
  runAsGroup: NODE_UID,
  readOnlyRootFilesystem: true,
  allowPrivilegeEscalation: false,
  capabilities: { drop: ["ALL"] }
}

/**
 * What every scoreline pod shares: the security context, no service account token (no pod talks to the
 * API), and no service links, whose `<SERVICE>_PORT=tcp://…` variables could collide with our settings
 * (a Service named `db` would set DB_PORT).
 */
export const podDefaults = (options: { readonly secrets: boolean }): Partial<IPodSpec> => ({
  automountServiceAccountToken: false,
  enableServiceLinks: false,
  securityContext: {
    runAsNonRoot: true,
    runAsUser: NODE_UID,
    runAsGroup: NODE_UID,
    fsGroup: NODE_UID,
    seccompProfile: { type: "RuntimeDefault" }
  },
  volumes: [
    // The root file system is read-only; the embedded SQLite file is not used here (DB_HOST is set), and
    // /tmp is kept writable for any library that wants a scratch file.
    { name: "tmp", emptyDir: { sizeLimit: "16Mi" } },
    ...(options.secrets
      ? [{ name: "secrets", secret: { secretName: SECRETS, defaultMode: 0o440, items: [{ key: DB_PASSWORD_KEY, path: DB_PASSWORD_KEY }] } }]
      : [])
  ]
})

/** The mounts that go with `podDefaults`. */
export const mounts = (options: { readonly secrets: boolean }): NonNullable<IContainer["volumeMounts"]> => [
  { name: "tmp", mountPath: "/tmp" },
  ...(options.secrets ? [{ name: "secrets", mountPath: SECRETS_DIR, readOnly: true }] : [])
]

/** The settings every program reads from the ConfigMap (DB_*, TIME_ZONE, intervals, logging). */
export const settingsFrom: NonNullable<IContainer["envFrom"]> = [{ configMapRef: { name: SETTINGS } }]

/** A program of the image, run the way compose's `command:` runs it (the image's entrypoint stays). */
export const program = (name: string, image: string): Pick<IContainer, "image" | "imagePullPolicy" | "args"> => ({
  image,
  imagePullPolicy: "IfNotPresent",
  args: ["node", `dist/${name}.mjs`]
})

/** Keeps serving while the endpoints' removal reaches every node (see PRE_STOP_SLEEP_SECONDS). */
export const drainLifecycle: NonNullable<IContainer["lifecycle"]> = {
  preStop: { exec: { command: ["sleep", String(PRE_STOP_SLEEP_SECONDS)] } }
}

/**
 * Startup, readiness and liveness from one check. Startup allows a minute: a server connects to the
 * database (DB_CONNECT_TIMEOUT, 30 s) and ensures its row before it binds.
 */
export const probes = (check: Pick<IProbe, "exec" | "tcpSocket" | "httpGet">, timeoutSeconds: number) => ({
  startupProbe: { ...check, periodSeconds: 5, timeoutSeconds, failureThreshold: 12 },
  readinessProbe: { ...check, periodSeconds: 10, timeoutSeconds, failureThreshold: 3 },
  livenessProbe: { ...check, periodSeconds: 20, timeoutSeconds, failureThreshold: 3 }
}) satisfies Pick<IContainer, "startupProbe" | "readinessProbe" | "livenessProbe">
