import { afterAll, beforeAll, describe as vitestDescribe, expect, it } from "vitest"
import { python, peersAvailable } from "../support/peers.js"
import { programCommand, runCommand, type Running, startCommand, startProgram } from "../support/processes.js"

/** The seed-like peers need python3: without them these tests are skipped with a message, and fail in CI. */
const peers = peersAvailable("python3")
const describe = vitestDescribe.skipIf(!peers)

// Peers that behave as issue 4 describes seed 004's programs (written from that description, not copied).

const RECEIPT = /^Server received at (\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}): ([\s\S]*)$/

const CLIENT = python("seed004_client", `
import socket, sys
sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
sock.settimeout(5)  # only so a server that waits for a newline fails the test instead of hanging it
sock.connect(("127.0.0.1", int(sys.argv[1])))
sock.sendall(sys.argv[2].encode("utf-8"))  # no newline, no half-close
data = sock.recv(1024)                     # one reply
sys.stdout.write(data.decode("utf-8"))
sock.close()
`)

/** Connects and closes without sending: an empty first read at the server. */
const SILENT_CLIENT = python("seed004_silent_client", `
import socket, sys
sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
sock.settimeout(5)
sock.connect(("127.0.0.1", int(sys.argv[1])))
sock.shutdown(socket.SHUT_WR)
print("reply bytes: %d" % len(sock.recv(1024)))
sock.close()
`)

const SERVER = python("seed004_server", `
import datetime, socket, threading
sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
sock.bind(("127.0.0.1", 0))
sock.listen(5)
print("listening on %d" % sock.getsockname()[1], flush=True)
def handle(connection):
    with connection:
        data = connection.recv(1024)
        if not data:
            print("empty read, no reply", flush=True)
            return
        stamp = datetime.datetime.now().strftime("%Y-%m-%d %H:%M:%S")
        connection.sendall(("Server received at %s: %s" % (stamp, data.decode("utf-8"))).encode("utf-8"))
        print("replied to %r" % data, flush=True)
while True:
    connection, _ = sock.accept()
    threading.Thread(target=handle, args=(connection,), daemon=True).start()
`)

const messageClient = (args: ReadonlyArray<string>, input?: string) =>
  runCommand(...programCommand("message-client", args), input === undefined ? {} : { input })

describe("seed 004's client against our message-server", () => {
  let ours: Running
  let port: string
  beforeAll(async () => {
    ours = startProgram("message-server", ["--port", "0"])
    await ours.waitFor(/address=\S+:\d+/)
    port = /address=\S+:(\d+)/.exec(ours.stderr())![1]!
  })
  afterAll(() => ours.kill("SIGKILL"))

  it("gets one reply to a message with no newline, several clients at once", async () => {
    const messages = ["Hello, Server!", "Quick message", "with a newline\n", "ünïcödé"]
    const results = await Promise.all(messages.map((message) => runCommand(CLIENT.command, [...CLIENT.args, port, message])))
    results.forEach((result, i) => {
      expect(result.code, result.stderr).toBe(0)
      expect(RECEIPT.exec(result.stdout)?.[2]).toBe(messages[i])
    })
  })

  it("a client that closes without sending gets no reply", async () => {
    const result = await runCommand(SILENT_CLIENT.command, [...SILENT_CLIENT.args, port])
    expect(result.stdout).toContain("reply bytes: 0")
    await ours.waitFor("client closed without a message")
  })
})

describe("our message-client against a seed-004-like server", () => {
  let theirs: Running
  let port: string
  beforeAll(async () => {
    theirs = startCommand(SERVER.command, SERVER.args)
    await theirs.waitFor(/listening on \d+/)
    port = /listening on (\d+)/.exec(theirs.stdout())![1]!
  })
  afterAll(() => theirs.kill("SIGKILL"))

  it("single message: reads the unterminated reply to EOF", async () => {
    const result = await messageClient(["--port", port, "Hello, Server!"])
    expect(result.code, result.stderr).toBe(0)
    expect(result.stdout).toMatch(/^Response: Server received at \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}: Hello, Server!\n$/)
  })

  it("interactive: one connection per line; an empty line is never sent (their server would wait on it)", async () => {
    const result = await messageClient(["--port", port], "first\n\nsecond\nexit\n")
    expect(result.code, result.stderr).toBe(0)
    const responses = [...result.stdout.matchAll(/Server response: (.*)$/gm)].map((m) => RECEIPT.exec(m[1]!)?.[2])
    expect(responses).toEqual(["first", "second"])
    expect(theirs.stdout()).not.toContain("empty read")
  })
})
