import { afterAll, beforeAll, describe as vitestDescribe, expect, it } from "vitest"
import {
  commaReply,
  INVALID_COMMAND,
  type InProcessServer,
  LOOPBACK,
  pipeReply,
  plainLines,
  startPointsServer,
  TcpPeer,
  tcpExchange,
  type TestBackend,
  useCommands,
  useEmbeddedDb,
  usePrograms
} from "../programs/harness.js"
import { mariadbAvailable, useTestDatabase } from "../support/mariadb.js"
import { python, peersAvailable } from "../support/peers.js"

/** The seed-like peers need python3: without them these tests are skipped with a message, and fail in CI. */
const peers = peersAvailable("python3")
const describe = vitestDescribe.skipIf(!peers)

/**
 * Seed 001's points protocol (issue 4), next to seed 002's on the same port: `get_data` with no newline on one
 * connection kept open, replies in the pipe format with no terminator, `quit` to finish. The peers here behave
 * as seed 001's published programs do on the wire.
 */

/**
 * Seed 001's client: one connection, `get_data` (no newline) every INTERVAL seconds, one recv(1024) per
 * request, `quit` before closing. It prints each reply as JSON; COUNT and the recv after `quit` (which shows
 * the server closed) are the test's, the seed's client loops until stopped.
 */
const SEED001_CLIENT = `
import json
import os
import socket
import time

HOST = os.environ['TARGET_HOST']
PORT = int(os.environ['TARGET_PORT'])
INTERVAL = float(os.environ.get('INTERVAL', '10'))
COUNT = int(os.environ.get('COUNT', '3'))

s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.connect((HOST, PORT))
for i in range(COUNT):
    s.sendall('get_data'.encode())
    data = s.recv(1024)
    print(json.dumps({"reply": data.decode()}), flush=True)
    time.sleep(INTERVAL)
s.sendall('quit'.encode())
print(json.dumps({"after_quit": s.recv(1024).decode()}), flush=True)
s.close()
`

/**
 * Seed 001's server: each received chunk is one command, compared case-insensitively and NOT stripped, so
 * 'get_data\\n' is refused; 'get_data' gets the pipe reply with no terminator; 'quit' or EOF closes; anything
 * else gets the invalid-command sentence. One thread per client. It logs every chunk (JSON) on stderr.
 */
const SEED001_SERVER = `
import json
import socket
import sys
import threading

SERVER_USER = 'Afif'

def handle(conn):
    with conn:
        while True:
            data = conn.recv(1024)
            if not data:
                break
            command = data.decode()
            print(json.dumps({"received": command}), file=sys.stderr, flush=True)
            if command.lower() == 'get_data':
                conn.sendall(f"User: {SERVER_USER} | Points: 120 | Last Update: 2026-01-12 14:30:00".encode())
            elif command.lower() == 'quit':
                break
            else:
                conn.sendall("Invalid command. Use 'get_data' or 'quit'".encode())

s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('127.0.0.1', 0))
s.listen(5)
print(f"listening on {s.getsockname()[1]}", flush=True)
while True:
    conn, addr = s.accept()
    threading.Thread(target=handle, args=(conn,), daemon=True).start()
`

/** Seed 002's Python client's exchange, for the "both dialects on one port" test. */
const SEED002_CLIENT = `
import os
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.connect((os.environ['TARGET_HOST'], int(os.environ['TARGET_PORT'])))
s.sendall("REQUEST_LATEST_POINTS\\n".encode())
print(s.recv(1024).decode(), end="")
s.close()
`

const replies = (stdout: string) =>
  plainLines(stdout).map((line) => JSON.parse(line) as { reply?: string; after_quit?: string })

const backends: ReadonlyArray<{ name: string; describe: (name: string, body: () => void) => void; use: () => TestBackend }> = [
  { name: "the embedded database", describe, use: useEmbeddedDb },
  { name: "MariaDB", describe: vitestDescribe.skipIf(!peers || !mariadbAvailable), use: useTestDatabase }
]

for (const backend of backends) {
  backend.describe(`seed 001's protocol on our TCP server, ${backend.name}`, () => {
    const db = backend.use()
    const run = useCommands()
    let server: InProcessServer
    beforeAll(async () => {
      // Points move while the seed client polls: each reply must still be a whole, unterminated pipe line.
      server = await startPointsServer({ db: db.layer(), transport: "tcp", intervalSeconds: 0.1 })
    })
    afterAll(() => server?.stop())

    /** Sends `command`, then reads one pipe reply. */
    const ask = async (peer: TcpPeer, command: string) => {
      await peer.write(command)
      const reply = await peer.readPipeReply()
      expect(reply).toMatch(pipeReply(server.user))
      return reply
    }

    it("a client that behaves like seed 001's gets pipe replies, several on one connection, and quit closes it", async () => {
      const client = run(python("seed001_client", SEED001_CLIENT), {
        TARGET_HOST: LOOPBACK,
        TARGET_PORT: String(server.port),
        INTERVAL: "0.3",
        COUNT: "4"
      })
      expect(await client.exited).toBe(0)
      const got = replies(client.stdout())
      expect(got).toHaveLength(5)
      const points = got.slice(0, 4).map(({ reply }) => {
        // Exactly one reply per recv, with no line terminator.
        const match = pipeReply(server.user).exec(reply!)
        expect(match, reply).not.toBeNull()
        return Number(match![1])
      })
      expect(points).toEqual([...points].sort((a, b) => a - b))
      expect(got[4]).toEqual({ after_quit: "" })
    })

    it("the byte stream holds only the replies: no terminators, nothing after quit", async () => {
      const peer = await TcpPeer.connect(server.port)
      try {
        for (let i = 0; i < 3; i++) await ask(peer, "get_data")
        await peer.write("quit")
        expect(await peer.rest()).toBe("")
        expect(peer.all.toString()).not.toMatch(/[\r\n]/)
      } finally {
        peer.destroy()
      }
    })

    it("accepts get_data\\n, get_data\\r\\n and any case, where the seed's servers are stricter", async () => {
      const peer = await TcpPeer.connect(server.port)
      try {
        for (const command of ["get_data\n", "get_data\r\n", "GET_DATA", "Get_Data\n"]) await ask(peer, command)
        peer.end()
        expect(await peer.rest()).toBe("")
      } finally {
        peer.destroy()
      }
    })

    it("answers anything else with seed 001's sentence, unterminated, and keeps the connection", async () => {
      const peer = await TcpPeer.connect(server.port)
      try {
        await ask(peer, "get_data")
        await peer.write("hello\n")
        expect(await peer.readBytes(INVALID_COMMAND.length)).toBe(INVALID_COMMAND)
        await peer.write("REQUEST_LATEST\n")
        expect(await peer.readBytes(INVALID_COMMAND.length)).toBe(INVALID_COMMAND)
        await ask(peer, "get_data")
        await peer.write("quit")
        expect(await peer.rest()).toBe("")
      } finally {
        peer.destroy()
      }
    })

    it("closes on quit in any case, even before any get_data", async () => {
      expect(await tcpExchange(server.port, "quit")).toBe("")
      expect(await tcpExchange(server.port, "QUIT\n")).toBe("")
    })

    it("closes when the client closes (EOF) after get_data", async () => {
      const peer = await TcpPeer.connect(server.port)
      try {
        await ask(peer, "get_data")
        peer.end()
        expect(await peer.rest()).toBe("")
      } finally {
        peer.destroy()
      }
    })

    it("answers both dialects on the same port at the same time", async () => {
      const persistent = run(python("seed001_client", SEED001_CLIENT), {
        TARGET_HOST: LOOPBACK,
        TARGET_PORT: String(server.port),
        INTERVAL: "0.2",
        COUNT: "5"
      })
      // While seed 001's connection stays open, seed 002's one-shot clients come and go on the same port.
      const oneShots = Array.from({ length: 5 }, () =>
        run(python("seed002_client", SEED002_CLIENT), { TARGET_HOST: LOOPBACK, TARGET_PORT: String(server.port) }))
      for (const client of oneShots) {
        expect(await client.exited).toBe(0)
        expect(client.stdout()).toMatch(commaReply(server.user))
      }
      expect(await persistent.exited).toBe(0)
      const got = replies(persistent.stdout())
      expect(got.slice(0, 5).map(({ reply }) => pipeReply(server.user).test(reply!))).toEqual([true, true, true, true, true])
      expect(got[5]).toEqual({ after_quit: "" })
    })

    it("switches format with the dialect on one connection", async () => {
      const peer = await TcpPeer.connect(server.port)
      try {
        await ask(peer, "get_data")
        // The connection is persistent since get_data, so seed 002's request is answered and it stays open.
        await peer.write("REQUEST_LATEST_POINTS\n")
        expect(await peer.readLine()).toMatch(commaReply(server.user))
        await ask(peer, "get_data")
        peer.end()
        expect(await peer.rest()).toBe("")
      } finally {
        peer.destroy()
      }
    })
  })
}

describe("our client program against a server that behaves like seed 001's", () => {
  const run = useCommands()
  const start = usePrograms()
  let seedServer: ReturnType<typeof run>
  let port: string

  const startSeedServer = async () => {
    seedServer = run(python("seed001_server", SEED001_SERVER))
    await seedServer.waitFor(/listening on \d+/)
    port = /listening on (\d+)/.exec(seedServer.stdout())![1]!
  }
  const received = () => plainLines(seedServer.stderr()).map((line) => (JSON.parse(line) as { received: string }).received)

  it("with CLIENT_DIALECT=get_data sends the bare command, prints the reply, says quit and exits 0", async () => {
    await startSeedServer()
    const client = start("client", { TARGET_HOST: LOOPBACK, TARGET_PORT: port, CLIENT_DIALECT: "get_data" })
    expect(await client.exited).toBe(0)
    expect(client.stdout()).toBe("User: Afif | Points: 120 | Last Update: 2026-01-12 14:30:00\n")
    await seedServer.waitFor('"quit"')
    expect(received()).toEqual(["get_data", "quit"])
  })

  it("polls the same way with POLL_INTERVAL", async () => {
    await startSeedServer()
    const client = start("client", { TARGET_HOST: LOOPBACK, TARGET_PORT: port, CLIENT_DIALECT: "get_data", POLL_INTERVAL: "0.2" })
    await client.waitFor(/(User: Afif \| .*\n){3}/)
    client.kill("SIGTERM")
    expect(await client.exited).toBe(0)
    expect(received().filter((command) => command !== "get_data" && command !== "quit")).toEqual([])
  })

  // The seed's refusal has no terminator and its server keeps the connection open: the client must recognise
  // the sentence itself, not wait out CLIENT_TIMEOUT and report "no reply".
  it("in seed 002's dialect is refused by it, and says so in one line", async () => {
    await startSeedServer()
    const client = start("client", { TARGET_HOST: LOOPBACK, TARGET_PORT: port, CLIENT_TRIES: "1", CLIENT_TIMEOUT: "2" })
    expect(await client.exited).not.toBe(0)
    expect(client.stdout()).toBe("")
    const lines = plainLines(client.stderr())
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(/Invalid command/)
  })
})
