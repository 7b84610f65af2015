import { afterAll, beforeAll, describe as vitestDescribe, expect, it } from "vitest"
import { python, peersAvailable } from "../support/peers.js"
import { programCommand, runCommand, type Running, startCommand, startProgram } from "../support/processes.js"

/** The seed-like peers need python3: without them these tests are skipped with a message, and fail in CI. */
const peers = peersAvailable("python3")
const describe = vitestDescribe.skipIf(!peers)

// Peers that behave as issue 4 describes seed 003's programs (written from that description, not copied).

const TCP_CLIENT = python("seed003_tcp_client", `
import socket, sys
sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
sock.settimeout(5)  # only so a broken server fails the test instead of hanging it
sock.connect(("127.0.0.1", int(sys.argv[1])))
message = b"This is our message. It is very long but will only be transmitted in chunks of 16 at a time"
print("sending %r" % message)
sock.sendall(message)  # one write
received = b""
while len(received) < len(message):
    data = sock.recv(16)
    if not data:
        print("server closed early")
        sys.exit(1)
    received += data
    print("received %r" % data)
print("closing socket")
sock.close()  # no shutdown(): the seed's client never half-closes
sys.exit(0 if received == message else 2)
`)

const UDP_CLIENT = python("seed003_udp_client", `
import socket, sys
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.settimeout(2)
message = b"This is our message. It will be sent all at once"
sock.sendto(message, ("127.0.0.1", int(sys.argv[1])))
data, server = sock.recvfrom(4096)
print("Received %d bytes: %r" % (len(data), data))
sock.close()
sys.exit(0 if data == message else 2)
`)

const TCP_SERVER = python("seed003_tcp_server", `
import socket, sys
sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
sock.bind(("127.0.0.1", 0))
sock.listen(1)
print("listening on %d" % sock.getsockname()[1], flush=True)
while True:
    connection, client = sock.accept()
    try:
        while True:
            data = connection.recv(16)
            if not data:
                print("clean EOF", flush=True)
                break
            print("Received: %r" % data, flush=True)
            connection.sendall(data)
    except ConnectionResetError:
        print("RESET", flush=True)  # the seed's server dies on a reset
        sys.exit(1)
    finally:
        connection.close()
`)

const UDP_SERVER = python("seed003_udp_server", `
import socket
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.bind(("127.0.0.1", 0))
print("listening on %d" % sock.getsockname()[1], flush=True)
while True:
    data, address = sock.recvfrom(4096)
    print("Received %d bytes" % len(data), flush=True)
    sock.sendto(data, address)
`)

const echoClient = (args: ReadonlyArray<string>) =>
  runCommand(...programCommand("echo-client", args))

const startPeerServer = async (peer: { command: string; args: Array<string> }) => {
  const server = startCommand(peer.command, peer.args)
  await server.waitFor(/listening on \d+/)
  return { server, port: Number(/listening on (\d+)/.exec(server.stdout())![1]) }
}

describe("seed 003's clients against our echo-server", () => {
  let ours: Running
  let tcpPort: number
  let udpPort: number
  beforeAll(async () => {
    ours = startProgram("echo-server", ["--host", "127.0.0.1", "--tcp-port", "0", "--udp-port", "0"])
    await ours.waitFor(/tcp=\S+:\d+ udp=\S+:\d+/)
    const [, tcp, udp] = /tcp=\S+:(\d+) udp=\S+:(\d+)/.exec(ours.stderr())!
    tcpPort = Number(tcp)
    udpPort = Number(udp)
  })
  afterAll(() => ours.kill("SIGKILL"))

  it("their TCP client (one write, recv(16) until 91 bytes, no half-close) gets the whole message, three at once", async () => {
    const results = await Promise.all([1, 2, 3].map(() => runCommand(TCP_CLIENT.command, [...TCP_CLIENT.args, String(tcpPort)])))
    for (const result of results) {
      expect(result.code, result.stdout + result.stderr).toBe(0)
      expect(result.stdout).toContain("closing socket")
    }
  })

  it("their UDP client gets its 48-byte datagram back within its 2 s timeout", async () => {
    const result = await runCommand(UDP_CLIENT.command, [...UDP_CLIENT.args, String(udpPort)])
    expect(result.code, result.stderr).toBe(0)
    expect(result.stdout).toContain("Received 48 bytes")
  })
})

describe("our echo-client against seed-003-like servers", () => {
  let tcpServer: { server: Running; port: number }
  let udpServer: { server: Running; port: number }
  beforeAll(async () => {
    ;[tcpServer, udpServer] = await Promise.all([startPeerServer(TCP_SERVER), startPeerServer(UDP_SERVER)])
  })
  afterAll(() => {
    tcpServer.server.kill("SIGKILL")
    udpServer.server.kill("SIGKILL")
  })

  it("TCP: verifies the echo and closes with a FIN (their server sees a clean EOF, never a reset)", async () => {
    const result = await echoClient(["--tcp-port", String(tcpServer.port)])
    expect(result.code, result.stderr).toBe(0)
    expect(result.stdout).toContain("echo matched (91 bytes)")
    await tcpServer.server.waitFor("clean EOF", 5_000)
    expect(tcpServer.server.stdout()).not.toContain("RESET")
    // Still alive: a second client is served too.
    expect((await echoClient(["--tcp-port", String(tcpServer.port), "again, please"])).code).toBe(0)
  })

  it("UDP: gets the 48-byte datagram back", async () => {
    const result = await echoClient(["--transport", "udp", "--udp-port", String(udpServer.port)])
    expect(result.code, result.stderr).toBe(0)
    expect(result.stdout).toContain("received 48 bytes: b'This is our message. It will be sent all at once'")
    expect(udpServer.server.stdout()).toContain("Received 48 bytes")
  })
})
