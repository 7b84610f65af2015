import { Config, type ConfigError, Effect, Redacted, Schema } from "effect"
import { readSecretFile } from "./SecretFile.js"
import { configs, option } from "../cli/Setting.js"
import { NonEmptyText, Port, Seconds, Text, withEdges } from "../schema/SettingValues.js"

/** `ADMIN_TOKEN`: empty means unset, and the control writes answer 403. Redacted so it never reaches a log. */
const Token = withEdges(Schema.transform(Text, Schema.RedactedFromSelf(Schema.String), {
  strict: true,
  decode: (text) => Redacted.make(text),
  encode: (token) => Redacted.value(token)
}), ["", "s3cret"], [])

/** The dashboard's own settings, in `dashboard` (flags and environment) and `stack` (environment). */
export const dashboardSpecs = {
  httpPort: { flag: "http-port", env: "HTTP_PORT", schema: Port, default: "8080", description: "port of the dashboard and its API" },
  httpHost: { flag: "http-host", env: "HTTP_HOST", schema: NonEmptyText, placeholder: "address", default: "0.0.0.0", description: "address the dashboard listens on" },
  adminToken: { flag: "admin-token", env: "ADMIN_TOKEN", schema: Token, placeholder: "token", default: "", description: "Bearer token for pause/resume/reset; unset: those answer 403" },
  adminTokenFile: { flag: "admin-token-file", env: "ADMIN_TOKEN_FILE", schema: Text, placeholder: "file", default: "", description: "a file holding the token (a Compose or Kubernetes secret); wins over ADMIN_TOKEN" },
  probeHost: {
    flag: "probe-host",
    env: "PROBE_HOST",
    schema: NonEmptyText,
    placeholder: "host",
    default: "127.0.0.1",
    description: "host to probe the roster's servers at; {user} stands for the user's name in lower case (server-{user}), {slug} for it as a DNS label (points-{slug} in Kubernetes); compose sets lb, its load balancer, which reaches every replica"
  },
  probeInterval: { flag: "probe-interval", env: "PROBE_INTERVAL", schema: Seconds, default: "2", description: "seconds between probes of every roster server" }
} as const

export const dashboardOptions = {
  httpPort: option(dashboardSpecs.httpPort),
  httpHost: option(dashboardSpecs.httpHost),
  adminToken: option(dashboardSpecs.adminToken),
  adminTokenFile: option(dashboardSpecs.adminTokenFile),
  probeHost: option(dashboardSpecs.probeHost),
  probeInterval: option(dashboardSpecs.probeInterval)
}

/** The same settings from the environment only, for the `stack`. */
export const dashboardConfig = configs(dashboardSpecs)
export type DashboardSettings = Config.Config.Success<typeof dashboardConfig>

/**
 * The token the control writes need: the file's text when `ADMIN_TOKEN_FILE` names one (its trailing newline
 * is not part of it), else `ADMIN_TOKEN`. A file that cannot be read stops the program with one line naming
 * the setting.
 */
export const adminTokenOf = (
  settings: { readonly adminToken: Redacted.Redacted<string>; readonly adminTokenFile: string }
): Effect.Effect<Redacted.Redacted<string>, ConfigError.ConfigError> =>
  settings.adminTokenFile === ""
    ? Effect.succeed(settings.adminToken)
    : readSecretFile("ADMIN_TOKEN_FILE", settings.adminTokenFile)
