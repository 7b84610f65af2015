import * as Fs from "node:fs"
import * as Path from "node:path"
import { describe, expect, it } from "vitest"
import { describeMariaDb, useTestDatabase } from "../support/mariadb.js"
import { canBind, freePort, ROOT, stopWith } from "../support/processes.js"
import {
  commaReply,
  listeningPort,
  LOOPBACK,
  tcpExchange,
  type TestBackend,
  udpExchange,
  uniqueUser,
  useCommands,
  useEmbeddedDb,
  useTempDir
} from "./harness.js"

/**
 * The production build (`npm run build`): `node dist/server.mjs` and `node dist/stack.mjs` run with plain
 * Node, no tsx and no TypeScript, answer on TCP and UDP, and stop cleanly on SIGTERM.
 */

const DIST = Path.join(ROOT, "dist")
// dist/ is built once, before any test file, by vitest's global setup (test/support/buildOnce.ts): a file
// that rebuilt it here would pull the bundles from under the other files' programs running beside it.

/** Plain node, and nothing that could bring tsx in through the back door. */
const built = (program: string) => ({ command: process.execPath, args: [Path.join(DIST, `${program}.mjs`)] })
const PLAIN_NODE = { NODE_OPTIONS: "" }
const ERRORS = /level=(ERROR|FATAL)|^error:/m

const backends: ReadonlyArray<{
  name: string
  describe: (name: string, body: () => void) => void
  use: () => TestBackend
  /** The driver chunk this backend's server loads; the other one it must not. */
  driver: "MysqlDriver" | "SqliteDriver"
}> = [
  { name: "the embedded database", describe, use: useEmbeddedDb, driver: "SqliteDriver" },
  { name: "MariaDB", describe: describeMariaDb, use: useTestDatabase, driver: "MysqlDriver" }
]

/** The files of dist/ a run of a built program loaded, recorded by test/support/recordLoads.mjs. */
const loadedFiles = (log: string) =>
  Fs.readFileSync(log, "utf8").split("\n").filter((url) => url.startsWith("file:")).map((url) => Path.basename(new URL(url).pathname))

for (const backend of backends) {
  backend.describe(`node dist/server.mjs on ${backend.name}`, () => {
    const db = backend.use()
    const dir = useTempDir()
    const run = useCommands()
    const env = (transport: "tcp" | "udp") => ({
      ...db.env(),
      ...PLAIN_NODE,
      SERVER_USER: uniqueUser("b"),
      SERVER_HOST: LOOPBACK,
      SERVER_PORT: "0",
      TRANSPORT: transport
    })

    it("answers on TCP, then exits 0 on SIGTERM and frees its port", async () => {
      const settings = env("tcp")
      const server = run(built("server"), settings)
      const port = await listeningPort(server)
      expect(await tcpExchange(port, "REQUEST_LATEST_POINTS\n")).toMatch(commaReply(settings.SERVER_USER))
      const { code } = await stopWith(server, "SIGTERM")
      expect(code).toBe(0)
      expect(server.stderr()).not.toMatch(ERRORS)
      expect(await canBind("tcp", port)).toBe(true)
    })

    // What keeps a server's memory low (docs/BENCHMARKS.md, "Where the memory goes"): the build's chunks, of
    // which a server loads its own database driver only, nothing of the dashboard (Swagger's 3.5 MB page), and
    // no broker client (amqplib, 158 kB) when no BROKER_URL is set.
    it(`loads the ${backend.driver} chunk and no other driver, none of the dashboard's code and no broker client`, async () => {
      const log = Path.join(dir.path, `loads-${backend.driver}.txt`)
      const settings = { ...env("tcp"), RECORD_LOADS: log }
      const server = run({ command: process.execPath, args: ["--import", Path.join(ROOT, "test/support/recordLoads.mjs"), Path.join(DIST, "server.mjs")] }, settings)
      const port = await listeningPort(server)
      expect(await tcpExchange(port, "REQUEST_LATEST_POINTS\n")).toMatch(commaReply(settings.SERVER_USER))
      expect((await stopWith(server, "SIGTERM")).code).toBe(0)
      const files = loadedFiles(log)
      expect(files).toContain("server.mjs")
      expect(files.filter((file) => /^(Mysql|Sqlite)Driver-/.test(file)).map((file) => file.split("-")[0])).toEqual([backend.driver])
      for (const file of files.filter((name) => name.endsWith(".mjs"))) {
        const code = Fs.readFileSync(Path.join(DIST, file), "utf8")
        // Booleans, so that a failure names the file instead of printing a megabyte of it.
        expect(code.includes("swagger-ui"), `${file} holds Swagger's page`).toBe(false)
        expect(code.includes("amqplib"), `${file} holds amqplib`).toBe(false)
      }
    })

    it("answers on UDP, then exits 0 on SIGTERM and frees its port", async () => {
      const settings = env("udp")
      const server = run(built("server"), settings)
      const port = await listeningPort(server)
      expect((await udpExchange(port, "REQUEST_LATEST_POINTS")).toString()).toMatch(commaReply(settings.SERVER_USER))
      const { code } = await stopWith(server, "SIGTERM")
      expect(code).toBe(0)
      expect(server.stderr()).not.toMatch(ERRORS)
      expect(await canBind("udp", port)).toBe(true)
    })
  })
}

describe("node dist/stack.mjs", () => {
  const db = useEmbeddedDb()
  const dir = useTempDir()
  const run = useCommands()

  it("runs a roster file's TCP and UDP servers, answers on both, and exits 0 on SIGTERM", async () => {
    const [tcpPort, udpPort] = [await freePort(), await freePort()]
    const [tcpUser, udpUser] = [uniqueUser("t"), uniqueUser("u")]
    const roster = Path.join(dir.path, "roster.json")
    Fs.writeFileSync(roster, JSON.stringify({
      name: "build-test",
      description: "one TCP and one UDP server",
      servers: [{ user: tcpUser, transport: "tcp", port: tcpPort }, { user: udpUser, transport: "udp", port: udpPort }]
    }))
    const stack = run(built("stack"), {
      ...db.env(),
      ...PLAIN_NODE,
      ROSTER: roster,
      SERVER_HOST: LOOPBACK,
      STACK_CLIENTS: "false",
      STACK_ECHO: "false",
      STACK_MESSAGES: "false"
    })
    await stack.waitFor(new RegExp(`points server listening.*user=${udpUser}.*port=${udpPort}`), 20_000)
    await stack.waitFor(new RegExp(`points server listening.*user=${tcpUser}.*port=${tcpPort}`), 20_000)
    expect(await tcpExchange(tcpPort, "REQUEST_LATEST_POINTS\n")).toMatch(commaReply(tcpUser))
    expect((await udpExchange(udpPort, "REQUEST_LATEST_POINTS")).toString()).toMatch(commaReply(udpUser))
    const { code } = await stopWith(stack, "SIGTERM")
    expect(code).toBe(0)
    expect(stack.stderr()).not.toMatch(ERRORS)
    expect(await canBind("tcp", tcpPort)).toBe(true)
    expect(await canBind("udp", udpPort)).toBe(true)
  })
})
