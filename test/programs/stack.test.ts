import { NodeContext } from "@effect/platform-node"
import { Effect } from "effect"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { describe, expect, it } from "vitest"
import { loadRoster, SHIPPED_ROSTERS } from "../../src/settings/RosterFile.js"
import type { RosterEntry } from "../../src/schema/Roster.js"
import { canBind, freeFixedPorts, freePort } from "../support/processes.js"
import { commaReply, eventually, pipeReply, TcpPeer, tcpExchange, udpExchange, useEmbeddedDb, usePrograms } from "./harness.js"

const tmp = Fs.mkdtempSync(Path.join(Os.tmpdir(), "scoreline-stack-"))

/** Seed 001's exchange: `get_data` with no terminator, the reply with none, then `quit`. */
const askPipe = async (port: number) => {
  const peer = await TcpPeer.connect(port)
  try {
    await peer.write("get_data")
    const reply = await peer.readPipeReply()
    await peer.write("quit")
    return reply
  } finally {
    peer.destroy()
  }
}

describe("stack", () => {
  const embedded = useEmbeddedDb()
  const start = usePrograms()
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
    const stack = start("stack", {
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
    const stack = start("stack", {
      ROSTER: roster,
      SERVER_HOST: "127.0.0.1",
      DB_FILE: Path.join(tmp, "solo.db"),
      STACK_ECHO: "false",
      STACK_MESSAGES: "false",
      STACK_DASHBOARD: "false",
      POLL_INTERVAL: "0.2"
    })
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
    const stack = start("stack", { ROSTER: roster, DB_FILE: Path.join(tmp, "bad.db") })
    expect(await stack.exited).toBe(1)
    expect(stack.stderr()).toMatch(/^error: ROSTER .*bad\.json: two servers share a transport and port$/m)
  })

  it("keeps running, and polling, when one client gives up", async () => {
    const db = embedded
    const [alicePort, bobPort] = [await freePort(), await freePort()]
    const roster = Path.join(tmp, "gives-up.json")
    Fs.writeFileSync(roster, JSON.stringify({ name: "gives-up", description: "", servers: [
      { user: "gu_alice", transport: "tcp", port: alicePort },
      { user: "gu_bob", transport: "tcp", port: bobPort }
    ] }))
    const stack = start("stack", {
      ...db.env(),
      ROSTER: roster,
      SERVER_HOST: "127.0.0.1",
      STACK_ECHO: "false",
      STACK_MESSAGES: "false",
      STACK_DASHBOARD: "false",
      UPDATE_INTERVAL: "3600",
      REFRESH_INTERVAL: "0.2",
      POLL_INTERVAL: "0.2",
      CLIENT_TRIES: "2",
      CLIENT_RETRY_DELAY: "0.05"
    })
    await stack.waitFor(/message="User: gu_alice, Points: 0, .*" client=gu_alice/)
    // alice's row goes away: her server answers ERROR, her client uses up its tries and gives up, poll after poll.
    await db.query("DELETE FROM scores WHERE user = ?", ["gu_alice"])
    await stack.waitFor(/(message="poll gave up, polling on"[^\n]*client=gu_alice[\s\S]*){2}/)
    const bobReplies = () => stack.stderr().match(/client=gu_bob/g)?.length ?? 0
    const before = bobReplies()
    await stack.waitFor(new RegExp(`(client=gu_bob[\\s\\S]*){${before + 2}}`))
    expect(stack.child.exitCode).toBeNull()
    stack.kill("SIGTERM")
    expect(await stack.exited).toBe(0)
  })

  // Each shipped roster as it is, but on ports of the test's own (the shipped ones, 5001-5006 and 6001-6002,
  // are fixed, and test files run side by side): every server ticks, and answers in its roster's dialect.
  describe.concurrent("runs each shipped roster for a tick", () => {
    const start = usePrograms("afterAll")
    for (const name of ["seed000", "seed001", "seed002"]) {
      it(name, async () => {
        // The shipped file's own text, ports changed: loadRoster decodes it as the shipped one.
        const shipped = SHIPPED_ROSTERS[name] as { servers: ReadonlyArray<RosterEntry> }
        const servers = await Promise.all(shipped.servers.map(async (server) => ({ ...server, port: await freePort() })))
        const roster = Path.join(tmp, `${name}-here.json`)
        Fs.writeFileSync(roster, JSON.stringify({ ...shipped, servers }))
        const stack = start("stack", {
          ROSTER: roster,
          SERVER_HOST: "127.0.0.1",
          DB_FILE: Path.join(tmp, `${name}.db`),
          STACK_ECHO: "false",
          STACK_MESSAGES: "false",
          STACK_DASHBOARD: "false",
          UPDATE_INTERVAL: "0.5",
          POLL_INTERVAL: "0.5"
        })
        for (const server of servers) await stack.waitFor(new RegExp(`message="point added".* user=${server.user}\\b`), 30_000)
        for (const server of servers) {
          const reply = server.transport === "udp"
            ? (await udpExchange(server.port, server.dialect === "get_data" ? "get_data" : "REQUEST_LATEST_POINTS")).toString()
            : server.dialect === "get_data"
            ? await askPipe(server.port)
            : await tcpExchange(server.port, "REQUEST_LATEST_POINTS\n")
          const match = (server.dialect === "get_data" ? pipeReply(server.user) : commaReply(server.user)).exec(reply)
          expect(match, `${server.user}: ${reply}`).not.toBeNull()
          expect(Number(match![1])).toBeGreaterThanOrEqual(1)
          await stack.waitFor(new RegExp(`message="User: ${server.user}[ ,].*" client=${server.user}`))
        }
        stack.kill("SIGTERM")
        expect(await stack.exited).toBe(0)
      }, 60_000)
    }
  })

  it("a stack of 150 servers answers every user exactly, as the ledger holds it, after its ticks", async () => {
    const size = 150
    const servers = (await freeFixedPorts(size)).map((port, i) => ({
      user: `big${String(i).padStart(3, "0")}`,
      transport: i % 3 === 0 ? "udp" as const : "tcp" as const,
      port
    }))
    const roster = Path.join(tmp, "big.json")
    Fs.writeFileSync(roster, JSON.stringify({ name: "big", description: "a class of 150", servers }))
    const stack = start("stack", {
      ROSTER: roster,
      SERVER_HOST: "127.0.0.1",
      DB_FILE: embedded.file,
      UPDATE_INTERVAL: "2",
      STACK_CLIENTS: "false",
      STACK_ECHO: "false",
      STACK_MESSAGES: "false",
      STACK_DASHBOARD: "false"
    })
    // The servers are bound one after another: the last one listening means they all are.
    await stack.waitFor(new RegExp(`message="points server listening".*user=${servers.at(-1)!.user}`), 60_000)
    // 300 exchanges at once on a loaded machine: one that times out makes the round disagree (NaN), and the
    // round is taken again, rather than failing the test.
    const ask = async (server: (typeof servers)[number]) => {
      const line = await (server.transport === "udp"
        ? udpExchange(server.port, "REQUEST_LATEST_POINTS").then(String)
        : tcpExchange(server.port, "REQUEST_LATEST_POINTS\n")).catch(() => "")
      return Number(/Points: (\d+)/.exec(line)?.[1])
    }
    // A round of answers and the ledger agree, user by user, once ticks have happened (a tick landing in the
    // middle of a round makes it disagree: the round is simply taken again).
    await eventually("every server's answer to equal its ledger", async () => {
      const answers = await Promise.all(servers.map(ask))
      const ledger = new Map((await embedded.query<{ user: string; n: number }>("SELECT user, COUNT(*) AS n FROM point_ticks GROUP BY user")).map((r) => [r.user, Number(r.n)]))
      const again = await Promise.all(servers.map(ask))
      const exact = servers.every((server, i) => answers[i]! >= 2 && answers[i] === again[i] && answers[i] === ledger.get(server.user))
      return exact ? true : undefined
    }, 30_000)
    stack.kill("SIGTERM")
    expect(await stack.exited).toBe(0)
  }, 90_000)

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
