import { spawnSync } from "node:child_process"
import * as Path from "node:path"
import { describe, expect, it } from "vitest"
import { ROOT, startCommand, unusedPort } from "../support/processes.js"
import { usePrograms } from "./harness.js"

/** A client with nothing to talk to: it logs a warning per failed try, then fails with its one line. */
const failingClient = async (env: Record<string, string>) => ({
  TARGET_HOST: "127.0.0.1",
  TARGET_PORT: String(await unusedPort()),
  CLIENT_TRIES: "2",
  CLIENT_RETRY_DELAY: "0.05",
  ...env
})

describe("logging settings", () => {
  const start = usePrograms()

  it("LOG_FORMAT=json writes one JSON object per event on stderr, stdout untouched", async () => {
    const client = start("client", await failingClient({ LOG_FORMAT: "json" }))
    expect(await client.exited).toBe(1)
    const events = client.stderr().split("\n").filter((line) => line.startsWith("{")).map((line) => JSON.parse(line))
    expect(events).toHaveLength(2)
    for (const event of events) {
      expect(event).toMatchObject({ logLevel: "WARN", message: "no answer" })
      expect(event.annotations.error).toMatch(/ECONNREFUSED/)
    }
    expect(client.stdout()).toBe("")
  })

  it("LOG_LEVEL=error keeps warnings out; the failure line still comes", async () => {
    const client = start("client", await failingClient({ LOG_LEVEL: "error" }))
    expect(await client.exited).toBe(1)
    expect(client.stderr()).not.toMatch(/no answer/)
    expect(client.stderr()).toMatch(/^error: .*gave up after 2 tries/m)
  })

  it("a bad LOG_LEVEL stops the program with one line naming it", async () => {
    const client = start("client", await failingClient({ LOG_LEVEL: "loud" }))
    expect(await client.exited).toBe(1)
    expect(client.stderr().trim()).toBe('error: LOG_LEVEL: expected one of trace, debug, info, warning, error, none, got "loud"')
  })

  // script(1) (util-linux) runs the program on a pseudo-terminal, as a person's shell would.
  const hasScript = spawnSync("script", ["--version"]).status === 0
  const atTerminal = (env: Record<string, string>) => {
    const program = `'${process.execPath}' --import tsx '${Path.join(ROOT, "src/programs/client.ts")}'`
    return startCommand("script", ["-qec", program, "/dev/null"], { NO_COLOR: "1", ...env })
  }

  it.skipIf(!hasScript)("at a terminal, logs are short (level, message, annotations); LOG_FORMAT=logfmt keeps full lines", async () => {
    const pretty = atTerminal(await failingClient({}))
    const logfmt = atTerminal(await failingClient({ LOG_FORMAT: "logfmt" }))
    expect(await pretty.exited).toBe(1)
    expect(await logfmt.exited).toBe(1)
    expect(pretty.stdout()).toMatch(/^WARN  no answer error="tcp:\/\/127\.0\.0\.1:\d+: cannot connect to .*ECONNREFUSED"\r?$/m)
    expect(pretty.stdout()).not.toMatch(/timestamp=|fiber=/)
    expect(logfmt.stdout()).toMatch(/^timestamp=\S+ level=WARN fiber=#\d+ message="no answer" error=/m)
  }, 60_000)
})

