import * as Path from "node:path"
import type { ComposeFile, Service } from "../../scripts/compose-layouts.js"

/**
 * The test's override for a compose file: every service on the host's network (no Docker bridge, all traffic
 * on this machine's loopback), every `*_HOST` at 127.0.0.1 and every `*_PORT` moved off the ports the
 * machine's own services hold (MariaDB has 3306) into 35000-35999, and the secrets from the test's directory.
 * The programs and images read these settings from their environment, so nothing else changes.
 */
export const testPort = (port: number): number => {
  if (port === 3306) return 3307
  if (port > 5000 && port < 5100) return 35000 + port - 5000
  if (port > 6000 && port < 6100) return 35100 + port - 6000
  const fixed: Record<number, number> = { 80: 35281, 8080: 35280, 8090: 35290, 10000: 35300, 10001: 35301 }
  const moved = fixed[port]
  if (moved === undefined) throw new Error(`no test port for ${port}: add one to test/compose/override.ts`)
  return moved
}

const isHost = (key: string) => /(^|_)HOST$/.test(key)
const isPort = (key: string) => /(^|_)PORT$/.test(key)

const overrideService = (service: Service): Record<string, unknown> => {
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
  if (Object.keys(environment).length > 0) override.environment = environment
  return override
}

export const makeOverride = (compose: ComposeFile, secretsDir: string) => ({
  services: Object.fromEntries(Object.entries(compose.services).map(([name, service]) => [name, overrideService(service)])),
  secrets: Object.fromEntries(
    Object.keys((compose.secrets ?? {}) as Record<string, unknown>).map((name) => [name, { file: Path.join(secretsDir, name) }])
  )
})
