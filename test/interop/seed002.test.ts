import { afterAll, beforeAll, describe as vitestDescribe, expect, it } from "vitest"
import {
  commaReply,
  type InProcessServer,
  LOOPBACK,
  startPointsServer,
  type TestBackend,
  useCommands,
  useEmbeddedDb,
  usePrograms
} from "../programs/harness.js"
import { mariadbAvailable, useTestDatabase } from "../support/mariadb.js"
import { compileC, python, peersAvailable } from "../support/peers.js"
import { freePort } from "../support/processes.js"

/** The seed-like peers need python3 and cc: without them these tests are skipped with a message, and fail in CI. */
const peers = peersAvailable("python3", "cc")
const describe = vitestDescribe.skipIf(!peers)

/**
 * Seed 002's clients and server, as its report prints them, against ours. The peers below do what the seed's
 * code does on the wire and nothing more; only the retry delay is a setting, to keep the test short.
 */

/** Seed 002's Python client (Figure 10): `REQUEST_LATEST_POINTS\n`, one recv(1024), 5 tries. */
const PYTHON_CLIENT = `
import socket
import os
import time
import sys

TARGET_HOST = os.environ.get('TARGET_HOST', 'python-server')
TARGET_PORT = int(os.environ.get('TARGET_PORT', 5001))

MAX_RETRIES = 5
RETRY_DELAY = float(os.environ.get('RETRY_DELAY', 5))

for attempt in range(MAX_RETRIES):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        print(f"Attempt {attempt + 1}/{MAX_RETRIES}: Connecting to {TARGET_HOST}:{TARGET_PORT}...")
        s.connect((TARGET_HOST, TARGET_PORT))
        message = "REQUEST_LATEST_POINTS\\n"
        s.sendall(message.encode())
        response = s.recv(1024).decode()
        print("--- SERVER RESPONSE ---")
        print(response.strip())
        s.close()
        sys.exit(0)
    except socket.error as e:
        print(f"Connection failed: {e}")
        s.close()
    if attempt < MAX_RETRIES - 1:
        print(f"Retrying in {RETRY_DELAY} seconds...")
        time.sleep(RETRY_DELAY)
    else:
        print("Failed to connect after all retries. Exiting.")
        sys.exit(1)
`

/**
 * Seed 002's C client (Figure 6): the bare command, no newline, no half-close, then a single read(1023).
 * It prints what that one read returned; the exit code is ours, to tell a failed read from an empty one.
 */
const C_CLIENT = `
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(void) {
    int sockfd, portno;
    struct sockaddr_in serv_addr;
    struct hostent *server;
    char buffer[1024];

    portno = atoi(getenv("TARGET_PORT"));
    server = gethostbyname(getenv("TARGET_HOST"));
    if (server == NULL) { fprintf(stderr, "no such host\\n"); return 2; }

    memset(&serv_addr, 0, sizeof(serv_addr));
    serv_addr.sin_family = AF_INET;
    memcpy(&serv_addr.sin_addr.s_addr, server->h_addr_list[0], server->h_length);
    serv_addr.sin_port = htons(portno);

    sockfd = socket(AF_INET, SOCK_STREAM, 0);
    if (connect(sockfd, (struct sockaddr *)&serv_addr, sizeof(serv_addr)) < 0) { perror("connect"); return 2; }

    char *message = "REQUEST_LATEST_POINTS";
    memset(buffer, 0, sizeof(buffer));
    write(sockfd, message, strlen(message));
    ssize_t n = read(sockfd, buffer, 1023);
    printf("%s", buffer);
    close(sockfd);
    return n > 0 ? 0 : 1;
}
`

/**
 * Seed 002's Python server (Figure 7): accept, one recv(1024) whatever it holds, the comma line with "\\n",
 * close. It logs each request it received (as JSON) on stderr, and its port on stdout once listening.
 */
const PYTHON_SERVER = `
import json
import socket
import sys

SERVER_USER = 'python_user'
points, timestamp = 42, '2026-01-12 14:30:00'

s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.bind(('127.0.0.1', 0))
s.listen(5)
print(f"listening on {s.getsockname()[1]}", flush=True)

while True:
    conn, addr = s.accept()
    data = conn.recv(1024)
    print(json.dumps({"received": data.decode('latin-1')}), file=sys.stderr, flush=True)
    response = f'User: {SERVER_USER}, Points: {points}, Last Update: {timestamp}\\n'
    conn.sendall(response.encode())
    conn.close()
`

const backends: ReadonlyArray<{ name: string; describe: (name: string, body: () => void) => void; use: () => TestBackend }> = [
  { name: "the embedded database", describe, use: useEmbeddedDb },
  { name: "MariaDB", describe: vitestDescribe.skipIf(!peers || !mariadbAvailable), use: useTestDatabase }
]

for (const backend of backends) {
  backend.describe(`seed 002's clients against our TCP server on ${backend.name}`, () => {
    const db = backend.use()
    const run = useCommands()
    let server: InProcessServer
    let cClient: string
    beforeAll(async () => {
      cClient = compileC("seed002_client", C_CLIENT)
      server = await startPointsServer({ db: db.layer(), transport: "tcp" })
    })
    afterAll(() => server?.stop())

    it("the Python client gets the reply line on its first try", async () => {
      const client = run(python("seed002_client", PYTHON_CLIENT), { TARGET_HOST: LOOPBACK, TARGET_PORT: String(server.port) })
      expect(await client.exited).toBe(0)
      const [attempt, banner, reply, ...rest] = client.stdout().split("\n")
      expect(attempt).toBe(`Attempt 1/5: Connecting to ${LOOPBACK}:${server.port}...`)
      expect(banner).toBe("--- SERVER RESPONSE ---")
      expect(`${reply}\n`).toMatch(commaReply(server.user))
      expect(rest).toEqual([""])
    })

    it("the C client gets the whole line from its single read, without sending a newline or closing", async () => {
      const client = run({ command: cClient, args: [] }, { TARGET_HOST: LOOPBACK, TARGET_PORT: String(server.port) })
      expect(await client.exited).toBe(0)
      const match = commaReply(server.user).exec(client.stdout())
      expect(match, client.stdout()).not.toBeNull()
      expect(match![2]).toBe((await db.readRow(server.user))?.stamp)
    })

    it("many C clients at once all get their line", async () => {
      const clients = Array.from({ length: 20 }, () =>
        run({ command: cClient, args: [] }, { TARGET_HOST: LOOPBACK, TARGET_PORT: String(server.port) }))
      for (const client of clients) {
        expect(await client.exited).toBe(0)
        expect(client.stdout()).toMatch(commaReply(server.user))
      }
    })
  })
}

describe("seed 002's Python client retrying until our server comes up", () => {
  const db = useEmbeddedDb()
  const run = useCommands()

  it("fails to connect, retries, and gets the reply once the server listens", async () => {
    const port = await freePort()
    const client = run(python("seed002_client", PYTHON_CLIENT), {
      TARGET_HOST: LOOPBACK,
      TARGET_PORT: String(port),
      RETRY_DELAY: "1"
    })
    await client.waitFor("Retrying in")
    const server = await startPointsServer({ db: db.layer(), transport: "tcp", port })
    try {
      expect(await client.exited).toBe(0)
      const out = client.stdout()
      expect(out).toMatch(/^Attempt 1\/5: .*\nConnection failed: .*Connection refused/)
      expect(out.split("--- SERVER RESPONSE ---\n")[1]).toMatch(commaReply(server.user))
    } finally {
      await server.stop()
    }
  })
})

describe("our client program against seed 002's Python server", () => {
  const run = useCommands()
  const start = usePrograms()

  it("sends REQUEST_LATEST_POINTS\\n, prints the reply line and exits 0", async () => {
    const seedServer = run(python("seed002_server", PYTHON_SERVER))
    await seedServer.waitFor(/listening on \d+/)
    const port = /listening on (\d+)/.exec(seedServer.stdout())![1]!
    const client = start("client", { TARGET_HOST: LOOPBACK, TARGET_PORT: port })
    expect(await client.exited).toBe(0)
    expect(client.stdout()).toBe("User: python_user, Points: 42, Last Update: 2026-01-12 14:30:00\n")
    await seedServer.waitFor('{"received"')
    expect(seedServer.stderr()).toBe('{"received": "REQUEST_LATEST_POINTS\\n"}\n')
  })
})
