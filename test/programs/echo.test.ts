import * as Net from "node:net"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { canBind, programCommand, runCommand, type Running, startProgram, stopWith } from "../support/processes.js"
import { eventually } from "./harness.js"

const MESSAGE = "This is our message. It is very long but will only be transmitted in chunks of 16 at a time"

const echoClient = (args: ReadonlyArray<string>) =>
  runCommand(...programCommand("echo-client", args))

/** Starts echo-server on ephemeral ports and reads them from its "listening" log line. */
const startEchoServer = async () => {
  const server = startProgram("echo-server", ["--host", "127.0.0.1", "--tcp-port", "0", "--udp-port", "0"])
  await server.waitFor(/tcp=\S+:\d+ udp=\S+:\d+/)
  const [, tcp, udp] = /tcp=\S+:(\d+) udp=\S+:(\d+)/.exec(server.stderr())!
  return { server, tcpPort: Number(tcp), udpPort: Number(udp) }
}

/**
 * A raw TCP client that sends the first 40 bytes, waits for their echo (so the server must echo as data arrives,
 * not at a newline or EOF), then sends the rest and closes once everything came back.
 */
const rawEcho = (port: number, message: string) =>
  new Promise<string>((resolve, reject) => {
    const socket = Net.createConnection({ host: "127.0.0.1", port })
    const chunks: Array<Buffer> = []
    let restSent = false
    socket.once("connect", () => socket.write(message.slice(0, 40)))
    socket.on("data", (chunk) => {
      chunks.push(chunk)
      const echoed = Buffer.concat(chunks).toString()
      if (!restSent && echoed.length >= 40) {
        restSent = true
        socket.write(message.slice(40))
      }
      if (echoed.length >= message.length) {
        socket.end()
        resolve(echoed)
      }
    })
    socket.once("error", reject)
    socket.once("close", () => reject(new Error(`closed after ${Buffer.concat(chunks).length} bytes`)))
  })

describe("echo-server and echo-client", () => {
  let running: { server: Running; tcpPort: number; udpPort: number }
  beforeAll(async () => {
    running = await startEchoServer()
  })
  afterAll(() => running.server.kill("SIGKILL"))

  it("echoes seed 003's message over TCP; the client prints each piece and exits 0", async () => {
    const result = await echoClient(["--tcp-port", String(running.tcpPort)])
    expect(result.code).toBe(0)
    const pieces = [...result.stdout.matchAll(/^received b'(.*)'$/gm)].map((m) => m[1]!)
    expect(pieces.join("")).toBe(MESSAGE)
    expect(result.stdout).toContain("echo matched (91 bytes)")
    await running.server.waitFor("Received: b'6 at a time'")
    expect(running.server.stderr()).toContain("Sending data back to client")
  })

  // Our client cuts what it prints into 16-byte pieces itself, so the server's pieces are checked on its side:
  // each piece it sends back is logged with its size. (test/servers/EchoServer.test.ts sees the writes themselves.)
  it("sends back pieces of at most 16 bytes, however the data arrived", async () => {
    const mark = running.server.stderr().length
    expect(await rawEcho(running.tcpPort, MESSAGE)).toBe(MESSAGE)
    // The earlier test's log already holds the last piece's text: wait for this exchange's own lines.
    const piecesLogged = () => [...running.server.stderr().slice(mark).matchAll(/message="Received: b'.*?'" .*bytes=(\d+)/g)].map((m) => Number(m[1]))
    const sizes = await eventually("the server to log every piece", async () =>
      piecesLogged().reduce((sum, size) => sum + size, 0) >= 91 ? piecesLogged() : undefined)
    expect(sizes.every((size) => size <= 16), String(sizes)).toBe(true)
    expect(sizes.reduce((sum, size) => sum + size, 0)).toBe(91)
    expect(sizes.length).toBeGreaterThanOrEqual(6)
  })

  it("echoes many TCP clients at once, each whole and in order", async () => {
    const messages = Array.from({ length: 8 }, (_, i) => `client ${i} says: ${"abcdefghijklmnopqrstuvwxyz".repeat(3)}`)
    const echoes = await Promise.all(messages.map((message) => rawEcho(running.tcpPort, message)))
    expect(echoes).toEqual(messages)
  })

  it("echoes a UDP datagram whole, and a message given as an argument", async () => {
    const result = await echoClient(["--transport", "udp", "--udp-port", String(running.udpPort), "über 16 bytes, in one datagram"])
    expect(result.code).toBe(0)
    expect(result.stdout).toContain("received 31 bytes: b'\\xc3\\xbcber 16 bytes, in one datagram'")
  })

  it("exits 1 with one error line when no server answers", async () => {
    const result = await echoClient(["--transport", "udp", "--udp-port", "9", "--timeout", "0.5"])
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/^error: udp:\/\/127\.0\.0\.1:9: no complete echo within/m)
  })
})

describe("echo-server shutdown", () => {
  it("exits 0 on SIGTERM with a client connected, and frees both ports", async () => {
    const { server, tcpPort, udpPort } = await startEchoServer()
    // A connected client that never closes: seed 003's server would wait for it forever.
    const idle = Net.createConnection({ host: "127.0.0.1", port: tcpPort })
    idle.on("error", () => {})
    await server.waitFor("connection opened")
    const { code } = await stopWith(server)
    idle.destroy()
    expect(code).toBe(0)
    expect(await canBind("tcp", tcpPort)).toBe(true)
    expect(await canBind("udp", udpPort)).toBe(true)
  })
})
