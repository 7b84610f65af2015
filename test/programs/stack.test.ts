import { NodeContext } from "@effect/platform-node"
import { Effect } from "effect"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import { loadRoster } from "../../src/cli/RosterFile.js"
import { canBind, freePort, type Running, startProgram } from "../support/processes.js"
import { tcpExchange } from "./harness.js"

const running: Array<Running> = []
afterEach(() => {
  for (const program of running.splice(0)) program.kill("SIGKILL")
})

const tmp = Fs.mkdtempSync(Path.join(Os.tmpdir(), "scoreline-stack-"))

describe("stack", () => {
  it("runs every server of a roster with a polling client each, then stops cleanly on SIGTERM", async () => {
    const [tcpPort, udpPort, echoPort, messagePort] = [await freePort(), await freePort(), await freePort(), await freePort()]
    const roster = Path.join(tmp, "roster.json")
    Fs.writeFileSync(roster, JSON.stringify({
      name: "test",
      description: "one server per transport and dialect",
      servers: [
        { user: "alice", transport: "tcp", port: tcpPort, dialect: "get_data" },
        { user: "bob", transport: "udp", port: udpPort }
      ]
    }))
    const stack = startProgram("stack", [], {
      ROSTER: roster,
      SERVER_HOST: "127.0.0.1",
      DB_FILE: Path.join(tmp, "stack.db"),
      UPDATE_INTERVAL: "0.2",
      POLL_INTERVAL: "0.25",
      ECHO_HOST: "127.0.0.1",
      ECHO_TCP_PORT: String(echoPort),
      ECHO_UDP_PORT: String(echoPort),
      MESSAGE_PORT: String(messagePort),
      HTTP_PORT: "0"
    })
    running.push(stack)
    // Each client sees its own server's points grow, in its own dialect.
    await stack.waitFor(/message="User: alice \| Points: [2-9] \| Last Update: \d{4}-\d\d-\d\d \d\d:\d\d:\d\d" client=alice/)
    await stack.waitFor(/message="User: bob, Points: [2-9], Last Update: \d{4}-\d\d-\d\d \d\d:\d\d:\d\d" client=bob/)
    // The socket basics run beside them.
    expect(await tcpExchange(echoPort, "echo me", { halfClose: true })).toBe("echo me")
    expect(await tcpExchange(messagePort, "hi", { halfClose: true })).toMatch(/^Server received at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d: hi$/)
    stack.kill("SIGTERM")
    expect(await stack.exited).toBe(0)
    expect(stack.stderr()).not.toMatch(/level=ERROR|error:/)
    expect(await canBind("tcp", tcpPort)).toBe(true)
    expect(await canBind("tcp", messagePort)).toBe(true)
  })

  it("leaves the echo and message servers out when told to", async () => {
    const tcpPort = await freePort()
    const roster = Path.join(tmp, "solo.json")
    Fs.writeFileSync(roster, JSON.stringify({ name: "solo", description: "", servers: [{ user: "carol", transport: "tcp", port: tcpPort }] }))
    const stack = startProgram("stack", [], {
      ROSTER: roster,
      SERVER_HOST: "127.0.0.1",
      DB_FILE: Path.join(tmp, "solo.db"),
      STACK_ECHO: "false",
      STACK_MESSAGES: "false",
      STACK_DASHBOARD: "false",
      POLL_INTERVAL: "0.2"
    })
    running.push(stack)
    await stack.waitFor(/message="User: carol, Points: 0/)
    stack.kill("SIGTERM")
    expect(await stack.exited).toBe(0)
    expect(stack.stderr()).not.toMatch(/echo server listening|message server listening|dashboard at/)
  })

  it("stops with one line naming the roster when it is not valid", async () => {
    const roster = Path.join(tmp, "bad.json")
    Fs.writeFileSync(roster, JSON.stringify({ name: "bad", description: "", servers: [
      { user: "a", transport: "tcp", port: 7001 },
      { user: "b", transport: "tcp", port: 7001 }
    ] }))
    const stack = startProgram("stack", [], { ROSTER: roster, DB_FILE: Path.join(tmp, "bad.db") })
    running.push(stack)
    expect(await stack.exited).toBe(1)
    expect(stack.stderr()).toMatch(/^error: ROSTER .*bad\.json: two servers share a transport and port$/m)
  })

  it("ships the seeds' layouts", async () => {
    const load = (name: string) => Effect.runPromise(loadRoster(name).pipe(Effect.provide(NodeContext.layer)))
    const layout = async (name: string) => (await load(name)).servers.map((s) => `${s.user}@${s.transport}/${s.port}`)
    expect(await layout("seed000")).toEqual(["ikhwan@tcp/5001", "fadhil@udp/5002", "jerry@tcp/5003", "khalid@udp/5004"])
    expect(await layout("seed001")).toEqual(["Afif@tcp/5001", "Syahmi@tcp/5002", "Irfan@tcp/5003", "Hairiel@tcp/6001", "Faiz@tcp/6002"])
    expect((await load("seed001")).servers.every((s) => s.dialect === "get_data")).toBe(true)
    // Seed 001's servers add 10 points per interval.
    expect((await load("seed001")).servers.map((s) => s.pointsPerTick)).toEqual([10, 10, 10, 10, 10])
    expect(await layout("seed002")).toEqual([
      "c_user-azmeer@tcp/5001", "python_user-azmeer@tcp/5002", "c_user-akmal@tcp/5003",
      "python_user-akmal@tcp/5004", "c_user-hasif@tcp/5005", "python_user-hasif@tcp/5006"
    ])
  })
})
