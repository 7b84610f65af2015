// The compose profile `monitoring`: Prometheus and Grafana, with the files scripts/monitoring.ts generates.
// compose.yml spells these services out by hand for seed 000; compose.seed001.yml and compose.seed002.yml get
// them from here with their own roster's scrape configuration, and test/compose/layouts.test.ts keeps the two
// in step.

/** The METRICS_PORT every server container listens on (each container has its own network address). */
export const SERVER_METRICS_PORT = 9100
/** Where the prometheus service finds the rules (compose mounts monitoring/rules.yml there). */
export const RULES_IN_CONTAINER = "/etc/prometheus/rules.yml"
export const prometheusConfigFile = (roster: string) => `monitoring/prometheus/${roster}.yml`

/** The data source uid the dashboard's panels name, and the provisioned data source carries. */
export const PROMETHEUS_DATASOURCE_UID = "prometheus"

export const MONITORING_PROFILE = "monitoring"
export const PROMETHEUS_SERVICE = "prometheus"
export const GRAFANA_SERVICE = "grafana"
/** The official images; the compose test runs a stand-in of Prometheus's built from Debian's package. */
export const PROMETHEUS_IMAGE = "prom/prometheus:v2.53.0"
export const GRAFANA_IMAGE = "grafana/grafana-oss:11.1.0"
/** Each one's port inside its container (Prometheus's and Grafana's defaults). */
export const PROMETHEUS_PORT = 9090
export const GRAFANA_PORT = 3000
/** Grafana's provisioning (data source and dashboard provider) and where the provider finds the dashboard. */
export const GRAFANA_PROVISIONING_DIR = "monitoring/grafana/provisioning"
export const GRAFANA_DASHBOARD_FILE = "monitoring/grafana/scoreline.json"
export const GRAFANA_DASHBOARDS_IN_CONTAINER = "/etc/grafana/dashboards"
export const GRAFANA_PASSWORD_SECRET = "grafana_admin_password"

/** Prometheus for a roster's layout: its scrape configuration, the rules, a volume for its data; UI on 127.0.0.1 only. */
export const prometheusService = (roster: string) => ({
  image: PROMETHEUS_IMAGE,
  restart: "unless-stopped",
  profiles: [MONITORING_PROFILE],
  command: [
    "--config.file=/etc/prometheus/prometheus.yml",
    "--storage.tsdb.path=/prometheus",
    `--web.listen-address=:${PROMETHEUS_PORT}`
  ],
  volumes: [
    `./${prometheusConfigFile(roster)}:/etc/prometheus/prometheus.yml:ro`,
    `./monitoring/rules.yml:${RULES_IN_CONTAINER}:ro`,
    "prometheus-data:/prometheus"
  ],
  ports: [`127.0.0.1:\${PROMETHEUS_PORT:-${PROMETHEUS_PORT}}:${PROMETHEUS_PORT}`]
})

/** Grafana with the dashboard already there at first login; the admin password from a Compose secret. */
export const grafanaService = () => ({
  image: GRAFANA_IMAGE,
  restart: "unless-stopped",
  profiles: [MONITORING_PROFILE],
  environment: {
    GF_SECURITY_ADMIN_PASSWORD__FILE: `/run/secrets/${GRAFANA_PASSWORD_SECRET}`,
    GF_USERS_ALLOW_SIGN_UP: "false",
    GF_SERVER_HTTP_PORT: String(GRAFANA_PORT)
  },
  secrets: [GRAFANA_PASSWORD_SECRET],
  volumes: [
    `./${GRAFANA_PROVISIONING_DIR}:/etc/grafana/provisioning:ro`,
    `./${GRAFANA_DASHBOARD_FILE}:${GRAFANA_DASHBOARDS_IN_CONTAINER}/scoreline.json:ro`,
    "grafana-data:/var/lib/grafana"
  ],
  ports: [`127.0.0.1:\${GRAFANA_PORT:-${GRAFANA_PORT}}:${GRAFANA_PORT}`],
  depends_on: [PROMETHEUS_SERVICE]
})

/** Grafana's provisioning files: Prometheus as the default data source (the dashboard's uid), and the dashboard. */
export const grafanaProvisioning = (): Record<string, object> => ({
  [`${GRAFANA_PROVISIONING_DIR}/datasources/prometheus.yml`]: {
    apiVersion: 1,
    datasources: [{
      name: "Prometheus",
      uid: PROMETHEUS_DATASOURCE_UID,
      type: "prometheus",
      access: "proxy",
      url: `http://${PROMETHEUS_SERVICE}:${PROMETHEUS_PORT}`,
      isDefault: true,
      editable: false
    }]
  },
  [`${GRAFANA_PROVISIONING_DIR}/dashboards/scoreline.yml`]: {
    apiVersion: 1,
    providers: [{
      name: "scoreline",
      folder: "scoreline",
      type: "file",
      disableDeletion: true,
      allowUiUpdates: false,
      options: { path: GRAFANA_DASHBOARDS_IN_CONTAINER }
    }]
  }
})
