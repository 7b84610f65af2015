import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { startProgram } from "../support/processes.js"
import { usePrograms } from "../programs/harness.js"
import { freeFixedPorts } from "../support/processes.js"

/**
 * The README's sample output stays true: a one-user stack (a server and its polling client, at the interval
 * the README names) is run, and every line of the README's log sample and client sample must match a line the
 * programs really printed, with numbers and timestamps free (a sample line's digits match any digits).
 */

const README = Fs.readFileSync(new URL("../../README.md", import.meta.url), "utf8")

/** The lines of the README's code block that follows `marker`. */
const blockAfter = (marker: string): Array<string> => {
  const from = README.indexOf(marker)
  expect(from, `the README no longer has "${marker}"`).toBeGreaterThan(-1)
  const open = README.indexOf("```\n", from)
  const close = README.indexOf("\n```", open + 4)
  return README.slice(open + 4, close).split("\n")
}

/** A sample line as a pattern: literal text, any digits where it shows digits. */
const pattern = (line: string) =>
  new RegExp(`^${line.split(/\d+/).map((text) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("\\d+")}$`, "m")

describe("the README's samples", () => {
  const start = usePrograms("afterAll")
  const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "scoreline-samples-"))
  afterAll(() => Fs.rmSync(dir, { recursive: true, force: true }))

  it("are what the programs print", async () => {
    const [port] = await freeFixedPorts(1)
    const roster = Path.join(dir, "one.json")
    Fs.writeFileSync(roster, JSON.stringify({ name: "one", description: "one user", servers: [{ user: "ikhwan", transport: "tcp", port }] }))
    const stack = start("stack", {
      ROSTER: roster,
      DB_FILE: ":memory:",
      SERVER_HOST: "0.0.0.0",
      UPDATE_INTERVAL: "1",
      POLL_INTERVAL: "1",
      STACK_DASHBOARD: "false",
      STACK_ECHO: "false",
      STACK_MESSAGES: "false",
      LOG_FORMAT: "pretty",
      NO_COLOR: "1"
    })
    const logs = blockAfter("On the terminal, one line per event")
    expect(logs.length).toBeGreaterThan(0)
    for (const line of logs) await stack.waitFor(pattern(line), 20_000)

    // The client sample: each `$ <command>` and the lines it printed, run against the stack's server.
    const session = blockAfter("Ask a server yourself")
    const runs: Array<{ args: Array<string>; out: Array<string> }> = []
    for (const line of session) {
      if (line.startsWith("$ ")) runs.push({ args: line.replace(/^\$ npx tsx src\/programs\/client\.ts /, "").split(" "), out: [] })
      else runs.at(-1)!.out.push(line)
    }
    expect(runs.length).toBeGreaterThan(0)
    for (const run of runs) {
      const args = run.args.map((arg) => (arg === "5001" ? String(port) : arg))
      const client = startProgram("client", args)
      expect(await client.exited, client.stderr()).toBe(0)
      for (const line of run.out) expect(client.stdout()).toMatch(pattern(line))
    }
  }, 60_000)
})
