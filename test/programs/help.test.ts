import * as Path from "node:path"
import { describe, expect, it } from "vitest"
import { ROOT, runCommand } from "../support/processes.js"

/** Every program explains itself, naming each environment variable docs/CONFIGURATION.md documents for it. */
const PROGRAMS: Record<string, ReadonlyArray<string>> = {
  server: ["SERVER_USER", "SERVER_PORT", "TRANSPORT", "SERVER_HOST", "UPDATE_INTERVAL", "IDLE_TIMEOUT"],
  client: ["TARGET_HOST", "TARGET_PORT", "TRANSPORT", "CLIENT_DIALECT", "POLL_INTERVAL", "CLIENT_TRIES", "CLIENT_RETRY_DELAY", "CLIENT_RETRY_MAX_DELAY", "CLIENT_TIMEOUT"],
  stack: ["ROSTER", "STACK_CLIENTS", "STACK_ECHO", "STACK_MESSAGES", "POLL_INTERVAL", "SERVER_HOST", "UPDATE_INTERVAL", "IDLE_TIMEOUT", "CLIENT_TRIES"],
  "echo-server": ["ECHO_HOST", "ECHO_TCP_PORT", "ECHO_UDP_PORT"],
  "echo-client": ["ECHO_TARGET_HOST", "ECHO_TRANSPORT", "ECHO_TARGET_TCP_PORT", "ECHO_TARGET_UDP_PORT", "ECHO_TIMEOUT"],
  "message-server": ["MESSAGE_HOST", "MESSAGE_PORT", "TIME_ZONE", "MESSAGE_IDLE_TIMEOUT"],
  "message-client": ["MESSAGE_TARGET_HOST", "MESSAGE_TARGET_PORT", "MESSAGE_TIMEOUT"],
  dashboard: ["HTTP_PORT", "HTTP_HOST", "ADMIN_TOKEN", "ROSTER"]
}

describe.concurrent("--help", () => {
  for (const [program, variables] of Object.entries(PROGRAMS)) {
    it(`${program} --help exits 0 and names its settings`, async () => {
      const file = Path.join(ROOT, "src/programs", `${program}.ts`)
      const { code, stdout } = await runCommand(process.execPath, ["--import", "tsx", file, "--help"], { env: { NO_COLOR: "1" }, timeoutMs: 60_000 })
      expect(code).toBe(0)
      expect(stdout).toContain(`scoreline ${program}`)
      for (const variable of variables) expect(stdout).toMatch(new RegExp(`\\[env ${variable}, (default .*|required)\\]`))
      // Every flag is typed: the CLI's generic "text" never shows, and no setting of ours is called optional.
      expect(stdout).not.toContain("A user-defined piece of text")
      expect(stdout).not.toMatch(/--(?!completions|log-level|help|wizard|version)[a-z-]+ text\b/)
      const settingsHelp = stdout.slice(stdout.indexOf("OPTIONS"), stdout.indexOf("--completions"))
      expect(settingsHelp).not.toContain("optional")
      if (program === "server") {
        expect(stdout).toMatch(/--user name[^\n]*\n+\s+the user whose row this server owns \[env SERVER_USER, required\]/)
        expect(stdout).toMatch(/--port integer[^\n]*\n+\s+An integer\.\n+\s+port to listen on \[env SERVER_PORT, default 5001\]/)
        expect(stdout).toContain("--transport tcp | udp")
        expect(stdout).toContain("--interval seconds")
      }
      if (program === "server" || program === "stack") {
        for (const variable of ["DB_HOST", "DB_PASS_FILE", "DB_FILE", "TIME_ZONE", "LOG_LEVEL"]) expect(stdout).toContain(variable)
      }
    }, 60_000)
  }
})
