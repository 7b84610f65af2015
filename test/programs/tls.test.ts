import { execFileSync } from "node:child_process"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { beforeAll, describe, expect, it } from "vitest"
import { runCommand } from "../support/processes.js"
import { commaReply, LOOPBACK, listeningPort, plainLines, tcpExchange, uniqueUser, useEmbeddedDb, usePrograms, useTempDir } from "./harness.js"

// TLS on the TCP transport, with certificates made here by openssl (no key is ever committed): a CA, a
// server certificate it signs for localhost and 127.0.0.1, and a second CA that signed nothing of ours.
const dir = useTempDir()
const file = (name: string) => Path.join(dir.path, name)
const openssl = (...args: ReadonlyArray<string>) => execFileSync("openssl", args, { cwd: dir.path, stdio: "pipe" })

beforeAll(() => {
  for (const ca of ["ca", "other-ca"]) {
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", `/CN=scoreline test ${ca}`, "-keyout", `${ca}.key`, "-out", `${ca}.pem`)
  }
  openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-keyout", "server.key", "-out", "server.csr")
  Fs.writeFileSync(file("san.ext"), "subjectAltName=DNS:localhost,IP:127.0.0.1\n")
  openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-days", "1", "-extfile", "san.ext", "-out", "server.pem")
})

describe("TLS", () => {
  const db = useEmbeddedDb()
  const start = usePrograms()
  const startTlsServer = async () => {
    const user = uniqueUser("t")
    const server = start("server", {
      ...db.env(), SERVER_USER: user, SERVER_HOST: LOOPBACK, SERVER_PORT: "0",
      TLS_CERT_FILE: file("server.pem"), TLS_KEY_FILE: file("server.key")
    })
    return { user, port: await listeningPort(server), server }
  }
  const client = (port: number, env: Record<string, string>) =>
    runCommand("npx", ["tsx", "src/programs/client.ts"], {
      env: { TARGET_HOST: "localhost", TARGET_PORT: String(port), CLIENT_TRIES: "2", CLIENT_RETRY_DELAY: "0.1", CLIENT_TIMEOUT: "5", ...env },
      timeoutMs: 60_000
    })

  it("our client with TLS=true and the private CA gets the reply; so does a Python ssl client", async () => {
    const { user, port } = await startTlsServer()
    const ours = await client(port, { TLS: "true", TLS_CA_FILE: file("ca.pem") })
    expect(ours.code).toBe(0)
    expect(plainLines(ours.stdout)).toEqual([expect.stringMatching(commaReply(user).source.replace("\\n$", "$"))])
    const python = await runCommand("python3", ["-c", `
import socket, ssl, sys
context = ssl.create_default_context(cafile=sys.argv[1])
with socket.create_connection(("localhost", int(sys.argv[2]))) as raw:
    with context.wrap_socket(raw, server_hostname="localhost") as s:
        s.sendall(b"REQUEST_LATEST_POINTS\\n")
        data = b""
        while True:
            chunk = s.recv(1024)
            if not chunk: break
            data += chunk
        sys.stdout.write(data.decode())
`, file("ca.pem"), String(port)])
    expect(python.code).toBe(0)
    expect(python.stdout).toMatch(commaReply(user))
  }, 90_000)

  it("refuses a server whose CA the client does not trust, at once and in one line", async () => {
    const { port } = await startTlsServer()
    const refused = await client(port, { TLS: "true", TLS_CA_FILE: file("other-ca.pem"), CLIENT_TRIES: "5", CLIENT_RETRY_DELAY: "5" })
    expect(refused.code).toBe(1)
    expect(refused.stderr).toMatch(/^error: tcp:\/\/localhost:\d+: cannot connect to localhost:\d+: UNABLE_TO_VERIFY_LEAF_SIGNATURE$/m)
    expect(refused.stderr).not.toMatch(/gave up after/) // not retried: it would fail the same way
  }, 90_000)

  it("a plain client against the TLS port fails cleanly, never hangs; the server serves on", async () => {
    const { user, port } = await startTlsServer()
    const plain = await client(port, { CLIENT_TRIES: "1" })
    expect(plain.code).toBe(1)
    expect(plain.stderr).toMatch(/^error: tcp:\/\/localhost:\d+: /m)
    expect(await tcpExchange(port, "REQUEST_LATEST_POINTS\n", { ms: 15_000 })).not.toMatch(commaReply(user))
    const again = await client(port, { TLS: "true", TLS_CA_FILE: file("ca.pem") })
    expect(again.code).toBe(0)
  }, 90_000)

  it("a certificate without its key stops the server at start-up with one line naming the setting", async () => {
    const server = start("server", { ...db.env(), SERVER_USER: uniqueUser("t"), SERVER_PORT: "0", TLS_CERT_FILE: file("server.pem") })
    expect(await server.exited).toBe(1)
    expect(server.stderr().trim()).toBe("error: TLS_KEY_FILE: TLS_CERT_FILE and TLS_KEY_FILE are set together or not at all")
  }, 60_000)
})
