import * as Fs from "node:fs"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { declaredVariables } from "../../src/cli/Setting.js"

// Loading the settings modules declares every variable the programs read (see declaredVariables): logging,
// and every src/settings/*.ts, including ones added after this file was written.
await import("../../src/cli/Logging.js")
const SETTINGS = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "../../src/settings")
for (const file of Fs.readdirSync(SETTINGS).filter((name) => name.endsWith(".ts"))) await import(Path.join(SETTINGS, file))

/**
 * Settings in the contract that a part may read before it declares them here (TLS, metrics, the dashboard),
 * and TZ, which node reads itself.
 */
const ALSO = [
  "TZ", "MAX_CONNECTIONS", "REQUEST_TIMEOUT", "SHUTDOWN_TIMEOUT", "METRICS_PORT", "POINTS_PER_TICK", "HISTORY_RETENTION",
  "REFRESH_INTERVAL", "TLS", "TLS_CERT_FILE", "TLS_KEY_FILE", "TLS_CA_FILE", "HTTP_PORT", "HTTP_HOST", "ADMIN_TOKEN",
  "STACK_DASHBOARD", "ROSTER"
]
/** Whatever a later setting is called, it will most likely start like one of ours. */
const PREFIXES = /^(SERVER|TARGET|CLIENT|DB|ECHO|MESSAGE|STACK|LOG|TLS|HTTP|METRICS|ROSTER)_/

/** Every variable a program reads, so a developer's or CI's exported settings cannot change a test's result. */
export const settingVariables = (): ReadonlySet<string> => new Set([...declaredVariables(), ...ALSO])

export const isSettingVariable = (name: string) => settingVariables().has(name) || PREFIXES.test(name)

/** `env` without any setting: what a spawned program starts from before a test adds its own. */
export const withoutSettings = (env: NodeJS.ProcessEnv): NodeJS.ProcessEnv =>
  Object.fromEntries(Object.entries(env).filter(([name]) => !isSettingVariable(name)))
