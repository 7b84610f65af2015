import * as Net from "node:net"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { canBind, programCommand, unusedPort, runCommand, type Running, startProgram, stopWith } from "../support/processes.js"

const RECEIPT = /^Server received at (\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}): ([\s\S]*)$/

const messageClient = (args: ReadonlyArray<string>, input?: string) =>
  runCommand(...programCommand("message-client", args), input === undefined ? {} : { input })

const startMessageServer = async (args: ReadonlyArray<string> = []) => {
  const server = startProgram("message-server", ["--port", "0", ...args])
  await server.waitFor(/address=\S+:\d+/)
  return { server, port: Number(/address=\S+:(\d+)/.exec(server.stderr())![1]) }
}

/** Seconds between a receipt's timestamp (read as UTC) and now. */
const secondsFromNow = (timestamp: string) => Math.abs(Date.parse(`${timestamp.replace(" ", "T")}Z`) - Date.now()) / 1000

/** Connects, sends `message` with no terminator and without closing, and reads the reply to the server's close. */
const ask = (port: number, message: string) =>
  new Promise<string>((resolve, reject) => {
    const socket = Net.createConnection({ host: "127.0.0.1", port })
    const chunks: Array<Buffer> = []
    socket.once("connect", () => socket.write(message))
    socket.on("data", (chunk) => chunks.push(chunk))
    socket.once("end", () => {
      socket.end()
      resolve(Buffer.concat(chunks).toString())
    })
    socket.once("error", reject)
  })

describe("message-server and message-client", () => {
  let running: { server: Running; port: number }
  beforeAll(async () => {
    running = await startMessageServer()
  })
  afterAll(() => running.server.kill("SIGKILL"))

  it("answers concurrent clients with a UTC timestamp of now and the message verbatim", async () => {
    const messages = Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? `message ${i}` : `message ${i} with a newline\n`))
    const replies = await Promise.all(messages.map((message) => ask(running.port, message)))
    replies.forEach((reply, i) => {
      const match = RECEIPT.exec(reply)
      expect(match, reply).not.toBeNull()
      expect(match![2]).toBe(messages[i])
      expect(secondsFromNow(match![1]!)).toBeLessThan(5)
    })
    expect(running.server.stderr()).toContain('message="message received"')
    expect(running.server.stderr()).toContain('message="reply sent"')
  })

  it("single-message mode prints the response and exits 0", async () => {
    const result = await messageClient(["--port", String(running.port), "Hello, Server!"])
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(/^Response: Server received at \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}: Hello, Server!\n$/)
  })

  it("interactive mode: two messages typed on stdin, then quit", async () => {
    const result = await messageClient(["--port", String(running.port)], "Hello, World!\nsecond message\nquit\nnot sent\n")
    expect(result.code).toBe(0)
    const responses = [...result.stdout.matchAll(/Server response: (.*)$/gm)].map((m) => RECEIPT.exec(m[1]!)?.[2])
    expect(responses).toEqual(["Hello, World!", "second message"])
    expect(result.stdout).toContain("Enter message to send: ")
    expect(result.stdout).toMatch(/Goodbye\n$/)
    expect(running.server.stderr()).not.toContain("not sent")
  })

  it("interactive mode ends at the end of input (Ctrl-D)", async () => {
    const result = await messageClient(["--port", String(running.port)], "only one")
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(/Server response: Server received at .*: only one\n/)
  })

  it("a message over 1024 bytes gets an ERROR reply; the server lives on", async () => {
    expect(await ask(running.port, "x".repeat(1500))).toBe("ERROR message longer than 1024 bytes (got 1500)")
    const result = await messageClient(["--port", String(running.port), "x".repeat(1500)])
    expect(result.code).toBe(1)
    expect(result.stderr).toContain("error: 127.0.0.1:")
    expect(RECEIPT.test(await ask(running.port, "still here"))).toBe(true)
  })
})

describe("message-client without a server", () => {
  it("prints one error line and exits non-zero, in both modes", async () => {
    const port = String(await unusedPort())
    for (const result of [await messageClient(["--port", port, "hi"]), await messageClient(["--port", port], "hi\n")]) {
      expect(result.code).not.toBe(0)
      expect(result.stderr.split("\n").filter((line) => line.startsWith("error:"))).toEqual([
        `error: cannot connect to 127.0.0.1:${port}: ECONNREFUSED`
      ])
    }
  })
})

describe("message-server settings and shutdown", () => {
  it("stamps receipts in TIME_ZONE", async () => {
    const { server, port } = await startMessageServer(["--time-zone", "+08:00"])
    const [, stamp] = RECEIPT.exec(await ask(port, "zone"))!
    server.kill("SIGKILL")
    const hoursAhead = (Date.parse(`${stamp!.replace(" ", "T")}Z`) - Date.now()) / 3_600_000
    expect(Math.abs(hoursAhead - 8)).toBeLessThan(0.01)
  })

  it("exits 0 on SIGTERM with a client connected and frees its port", async () => {
    const { server, port } = await startMessageServer()
    const silent = Net.createConnection({ host: "127.0.0.1", port })
    silent.on("error", () => {})
    await server.waitFor("connection opened")
    const { code } = await stopWith(server)
    silent.destroy()
    expect(code).toBe(0)
    expect(await canBind("tcp", port)).toBe(true)
  })
})
