import { describe, expect, it } from "vitest"
import { settingVariables } from "../support/cleanEnv.js"
import { startCommand } from "../support/processes.js"

/** A developer's shell (or CI) may export any setting; a spawned program must see only what its test gives. */
describe("spawned programs' environment", () => {
  it("holds none of the settings this process has, whatever the part that reads them", async () => {
    const exported = {
      ROSTER: "seed002", STACK_ECHO: "false", STACK_CLIENTS: "false", STACK_MESSAGES: "false", ECHO_HOST: "10.0.0.1",
      ECHO_TRANSPORT: "udp", MESSAGE_PORT: "1", MESSAGE_TIMEOUT: "9", DB_HOST: "db", TRANSPORT: "udp", UPDATE_INTERVAL: "1",
      IDLE_TIMEOUT: "1", POLL_INTERVAL: "1", REFRESH_INTERVAL: "9", TIME_ZONE: "Asia/Tokyo", TZ: "Asia/Tokyo",
      LOG_FORMAT: "json", CLIENT_DIALECT: "get_data", TLS_CERT_FILE: "x", SERVER_SOMETHING_NEW: "x"
    }
    Object.assign(process.env, exported)
    try {
      const child = startCommand(process.execPath, ["-e", "console.log(JSON.stringify(process.env))"], { GIVEN: "yes" })
      expect(await child.exited).toBe(0)
      const env = JSON.parse(child.stdout()) as Record<string, string>
      for (const name of Object.keys(exported)) expect(env, name).not.toHaveProperty(name)
      expect(env.GIVEN).toBe("yes")
      expect(env.PATH).toBe(process.env.PATH)
    } finally {
      for (const name of Object.keys(exported)) delete process.env[name]
    }
  })

  it("clears every variable the settings modules declare", () => {
    const names = settingVariables()
    for (const name of ["SERVER_USER", "TRANSPORT", "UPDATE_INTERVAL", "REFRESH_INTERVAL", "POLL_INTERVAL", "ROSTER", "STACK_ECHO", "ECHO_TIMEOUT", "MESSAGE_IDLE_TIMEOUT", "DB_CONNECT_TIMEOUT", "TIME_ZONE", "LOG_LEVEL", "LOG_FORMAT", "HTTP_PORT", "ADMIN_TOKEN", "METRICS_PORT"]) {
      expect(names.has(name), name).toBe(true)
    }
  })
})
