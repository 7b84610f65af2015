import * as SqlClient from "@effect/sql/SqlClient"
import { SqliteClient } from "@effect/sql-sqlite-node"
import { DateTime, Duration, Effect, Exit, Layer, Logger, LogLevel, Queue, Scope, Stream } from "effect"
import { randomBytes } from "node:crypto"
import * as Dgram from "node:dgram"
import * as Fs from "node:fs"
import * as Net from "node:net"
import * as Os from "node:os"
import * as Path from "node:path"
import { afterAll, afterEach, beforeAll } from "vitest"
import { Db } from "../../src/layers/Db.js"
import { bindPointsServer, runPointsServers } from "../../src/servers/PointsServer.js"
import { Metrics } from "../../src/layers/Metrics.js"
import { Ticker } from "../../src/layers/Ticker.js"
import { Transport } from "../../src/layers/Transport.js"
import { isSettingVariable } from "../support/cleanEnv.js"
import { type Running, startCommand, startProgram } from "../support/processes.js"
import { UTC } from "../../src/schema/Timestamp.js"

/**
 * What the real-socket tests share: points servers on loopback ephemeral ports (in this process, or spawned
 * as the `server` program), raw TCP/UDP peers that behave like the seeds' clients, and the embedded database.
 */

// Settings a developer or CI exported (DB_HOST, TZ…) must not reach what runs in this process either, or an
// "embedded" test would quietly run against MySQL. (Spawned programs get a clean environment: processes.ts.)
for (const name of Object.keys(process.env)) if (isSettingVariable(name)) delete process.env[name]

export const LOOPBACK = "127.0.0.1"
// The zone the programs run in by default (a fixed offset, see src/schema/Timestamp.ts).
export { UTC }

/** A user name no other test (or concurrent run) uses: rows never collide in a shared database. */
export const uniqueUser = (prefix = "u") => `${prefix}_${randomBytes(5).toString("hex")}`

// ---------------------------------------------------------------------------------------------------------
// Databases

/** Where a test's points live, and how to point an in-process layer or a spawned program at it. */
export interface TestBackend {
  layer(timeZone?: DateTime.TimeZone): Layer.Layer<Db, unknown>
  env(): Record<string, string>
  /** The row as the database holds it, read without going through `Db`. */
  readRow(user: string): Promise<{ points: number; stamp: string } | undefined>
  /** A statement run on the database directly (its own connection). */
  query<Row = Record<string, unknown>>(sql: string, params?: ReadonlyArray<unknown>): Promise<Array<Row>>
}

/** A temporary directory removed after the file's tests. */
export const useTempDir = (): { readonly path: string } => {
  let dir: string | undefined
  beforeAll(() => {
    dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "scoreline-test-"))
  })
  afterAll(() => {
    if (dir !== undefined) Fs.rmSync(dir, { recursive: true, force: true })
  })
  return {
    get path() {
      if (dir === undefined) throw new Error("the temp dir is made in beforeAll")
      return dir
    }
  }
}

const queryEmbedded = <Row>(file: string, statement: string, params: ReadonlyArray<unknown> = []) =>
  Effect.runPromise(
    Effect.flatMap(SqlClient.SqlClient, (sql) => sql.unsafe<Row & object>(statement, params as Array<never>)).pipe(
      Effect.provide(SqliteClient.layer({ filename: file }))
    )
  ) as Promise<Array<Row>>

/** The embedded SQLite database in a temp file of this test file's own (never the repo's `data/`). */
export const useEmbeddedDb = (): TestBackend & { readonly file: string } => {
  const dir = useTempDir()
  const file = () => Path.join(dir.path, "scoreline.db")
  return {
    get file() {
      return file()
    },
    layer: (timeZone = UTC) => Db.layer({ target: { _tag: "Embedded", file: file() }, migrate: true, timeZone }),
    env: () => ({ DB_FILE: file() }),
    query: (statement, params) => queryEmbedded(file(), statement, params),
    readRow: async (user) => {
      const rows = await queryEmbedded<{ points: number; stamp: string }>(
        file(),
        "SELECT points, CAST(datetime_stamp AS TEXT) AS stamp FROM scores WHERE user = ?",
        [user]
      )
      return rows[0]
    }
  }
}

// ---------------------------------------------------------------------------------------------------------
// Points servers in this process, on real sockets

export interface InProcessServer {
  readonly user: string
  readonly port: number
  stop(): Promise<void>
}

export interface InProcessOptions {
  readonly db: Layer.Layer<Db, unknown>
  readonly transport?: "tcp" | "udp"
  readonly user?: string
  readonly port?: number
  readonly idleTimeoutSeconds?: number
  /** Seconds between points; the default (an hour) keeps a row at 0 points for exact replies. */
  readonly intervalSeconds?: number
  /** Ticks of the test's own instead (see `manualTicker`); `intervalSeconds` is then ignored. */
  readonly ticker?: Layer.Layer<Ticker>
}

/** A Ticker that ticks when the test says so, for tests that count points exactly. */
export const manualTicker = () => {
  const slots = Effect.runSync(Queue.unbounded<number>())
  const slotAt = (epochMillis: number) => Math.floor(epochMillis / 1000)
  let slot = slotAt(Date.now())
  return {
    layer: Layer.succeed(Ticker, {
      interval: Duration.seconds(1),
      slotAt,
      startOf: (slot: number) => slot * 1000,
      ticks: Stream.fromQueue(slots)
    }),
    /** The next slot's tick (consecutive slots, from now on). */
    tick: () => Effect.runSync(Queue.offer(slots, ++slot))
  }
}

/** `bindPointsServer` + its `run` fiber on a scope of the test's own; `stop` closes it (socket, DB pool). */
export const startPointsServer = async (options: InProcessOptions): Promise<InProcessServer> => {
  const scope = Effect.runSync(Scope.make())
  const user = options.user ?? uniqueUser()
  const program = Effect.gen(function*() {
    const context = yield* Layer.buildWithScope(
      Layer.mergeAll(options.db, options.ticker ?? Ticker.layer(`${(options.intervalSeconds ?? 3600) * 1000} millis`), Transport.layer, Metrics.layerMemory),
      scope
    )
    const server = yield* bindPointsServer({
      user,
      transport: options.transport ?? "tcp",
      host: LOOPBACK,
      port: options.port ?? 0,
      idleTimeout: `${(options.idleTimeoutSeconds ?? 30) * 1000} millis`,
      refreshInterval: "1 second"
    }).pipe(Effect.provide(context), Scope.extend(scope))
    yield* Effect.forkIn(Effect.provide(runPointsServers([server], { refreshInterval: "1 second" }), context), scope)
    return server.address
  }).pipe(Logger.withMinimumLogLevel(LogLevel.Warning))
  const stop = () => Effect.runPromise(Scope.close(scope, Exit.void))
  try {
    const address = await Effect.runPromise(program)
    return { user, port: address.port, stop }
  } catch (error) {
    await stop()
    throw error
  }
}

// ---------------------------------------------------------------------------------------------------------
// Spawned programs

/**
 * Starts programs and kills (SIGKILL) whatever a test left running: after each test, or after the whole block
 * for `describe.concurrent` blocks (whose tests overlap).
 */
export const usePrograms = (cleanUp: "afterEach" | "afterAll" = "afterEach") => {
  const track = useCleanUp(cleanUp)
  return (name: string, env: Record<string, string>, args: ReadonlyArray<string> = []): Running =>
    track(startProgram(name, args, env))
}

/** The same for any command (a Python peer, a compiled C peer). */
export const useCommands = (cleanUp: "afterEach" | "afterAll" = "afterEach") => {
  const track = useCleanUp(cleanUp)
  return (command: { command: string; args: ReadonlyArray<string> }, env: Record<string, string> = {}): Running =>
    track(startCommand(command.command, command.args, env))
}

const useCleanUp = (cleanUp: "afterEach" | "afterAll") => {
  const running = new Set<Running>()
  ;(cleanUp === "afterEach" ? afterEach : afterAll)(async () => {
    const left = [...running]
    running.clear()
    for (const program of left) if (program.child.exitCode === null && program.child.signalCode === null) program.kill("SIGKILL")
    await Promise.all(left.map((program) => program.exited))
  })
  return (program: Running) => {
    running.add(program)
    return program
  }
}

const LISTENING = /message="points server listening".* port=(\d+)/

/** Waits for a spawned `server` to log that it listens, and returns the port it bound (SERVER_PORT=0). */
export const listeningPort = async (server: Running): Promise<number> => {
  await server.waitFor(LISTENING, 20_000)
  return Number(LISTENING.exec(server.stdout() + server.stderr())![1])
}

/** The lines a program printed that are not structured log lines (`timestamp=… level=…`). */
export const plainLines = (text: string) =>
  text.split("\n").filter((line) => line.trim() !== "" && !/^timestamp=\S+ level=/.test(line))

// ---------------------------------------------------------------------------------------------------------
// Raw peers

/** A TCP client that records every byte the server sends, for tests that control framing byte by byte. */
export class TcpPeer {
  private received = Buffer.alloc(0)
  private consumed = 0
  private eof = false
  private readonly waiters = new Set<() => void>()
  readonly closed: Promise<void>

  private constructor(readonly socket: Net.Socket) {
    socket.on("data", (chunk: Buffer) => {
      this.received = Buffer.concat([this.received, chunk])
      this.notify()
    })
    this.closed = new Promise((resolve) => {
      socket.on("end", () => {
        this.eof = true
        this.notify()
        resolve()
      })
      socket.on("close", () => {
        this.eof = true
        this.notify()
        resolve()
      })
    })
    socket.on("error", () => {})
  }

  static connect(port: number, host = LOOPBACK): Promise<TcpPeer> {
    return new Promise((resolve, reject) => {
      const socket = Net.createConnection({ host, port, allowHalfOpen: true })
      socket.once("error", reject)
      socket.once("connect", () => {
        socket.off("error", reject)
        resolve(new TcpPeer(socket))
      })
    })
  }

  private notify() {
    this.waiters.forEach((check) => check())
  }

  /** Everything received so far, from the first byte. */
  get all(): Buffer {
    return this.received
  }

  get hasEnded(): boolean {
    return this.eof
  }

  write(data: string | Uint8Array): Promise<void> {
    return new Promise((resolve, reject) => this.socket.write(data, (error) => (error ? reject(error) : resolve())))
  }

  /** Half-closes: sends FIN after `data`, still reading. */
  end(data?: string | Uint8Array): void {
    if (data === undefined) this.socket.end()
    else this.socket.end(data)
  }

  destroy(): void {
    this.socket.destroy()
  }

  /**
   * Waits until the unread bytes satisfy `take` (which returns how many bytes to consume, or -1 for "not yet")
   * and returns them. Fails if the server closes first or after `ms`.
   */
  read(take: (unread: Buffer) => number, what: string, ms = 5_000): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(check)
        reject(new Error(`timed out waiting for ${what}; unread: ${JSON.stringify(this.unread().toString("latin1"))}`))
      }, ms)
      const check = () => {
        const unread = this.unread()
        const n = take(unread)
        if (n >= 0) {
          clearTimeout(timer)
          this.waiters.delete(check)
          this.consumed += n
          resolve(unread.subarray(0, n))
        } else if (this.eof) {
          clearTimeout(timer)
          this.waiters.delete(check)
          reject(new Error(`connection closed while waiting for ${what}; unread: ${JSON.stringify(unread.toString("latin1"))}`))
        }
      }
      this.waiters.add(check)
      check()
    })
  }

  /** The next line, `\n` included. */
  async readLine(ms?: number): Promise<string> {
    const line = await this.read((b) => (b.indexOf(0x0a) === -1 ? -1 : b.indexOf(0x0a) + 1), "a line", ms)
    return line.toString("utf8")
  }

  /** The next seed 001 reply (no terminator): complete once its fixed-width timestamp has arrived. */
  async readPipeReply(ms?: number): Promise<string> {
    const text = await this.read((b) => {
      const match = PIPE_PREFIX.exec(b.toString("latin1"))
      return match === null ? -1 : match[0].length
    }, "a pipe reply", ms)
    return text.toString("utf8")
  }

  /** The next `n` bytes (used for sentences with no terminator, e.g. seed 001's refusal). */
  async readBytes(n: number, ms?: number): Promise<string> {
    return (await this.read((b) => (b.length >= n ? n : -1), `${n} bytes`, ms)).toString("utf8")
  }

  /** Whatever is still unread once the server has closed the connection. */
  async rest(ms = 5_000): Promise<string> {
    return (await this.read((b) => (this.eof ? b.length : -1), "the server to close", ms)).toString("utf8")
  }

  private unread() {
    return this.received.subarray(this.consumed)
  }
}

const STAMP = "\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}"
const PIPE_PREFIX = new RegExp(`^User: [^\\s|]+ \\| Points: -?\\d+ \\| Last Update: ${STAMP}`)

/** Seed 002's reply line for `user`, `\n` included; groups: points, stamp. */
export const commaReply = (user: string) => new RegExp(`^User: ${user}, Points: (\\d+), Last Update: (${STAMP})\\n$`)
/** Seed 001's reply for `user`, no terminator; groups: points, stamp. */
export const pipeReply = (user: string) => new RegExp(`^User: ${user} \\| Points: (\\d+) \\| Last Update: (${STAMP})$`)

export const INVALID_COMMAND = "Invalid command. Use 'get_data' or 'quit'"

/** Connects, sends `data` (then half-closes if asked), and returns everything until the server closes. */
export const tcpExchange = async (
  port: number,
  data: string | Uint8Array,
  options: { halfClose?: boolean; ms?: number } = {}
): Promise<string> => {
  const peer = await TcpPeer.connect(port)
  try {
    if (options.halfClose) peer.end(data)
    else await peer.write(data)
    return await peer.rest(options.ms)
  } finally {
    peer.destroy()
  }
}

/** One datagram to `port`, the first datagram back. */
export const udpExchange = (port: number, data: string | Uint8Array, ms = 5_000): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const socket = Dgram.createSocket("udp4")
    const timer = setTimeout(() => {
      socket.close()
      reject(new Error(`no datagram back from ${LOOPBACK}:${port} within ${ms} ms`))
    }, ms)
    socket.once("message", (reply) => {
      clearTimeout(timer)
      socket.close()
      resolve(reply)
    })
    socket.once("error", (error) => {
      clearTimeout(timer)
      socket.close()
      reject(error)
    })
    socket.send(data, port, LOOPBACK)
  })

/** Resolves once `check` returns a value (polling every 50 ms), or rejects after `ms`. */
export const eventually = async <A>(what: string, check: () => Promise<A | undefined>, ms = 10_000): Promise<A> => {
  const deadline = Date.now() + ms
  for (;;) {
    const value = await check()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

/** `YYYY-MM-DD HH:MM:SS` read as UTC, in ms since the epoch. */
export const stampAsUtc = (stamp: string) => Date.parse(`${stamp.replace(" ", "T")}Z`)

/** The dashboard program's "dashboard at http://…:<port>" line, and the port it names. */
export const DASHBOARD_URL_LINE = /message="dashboard at http:\/\/[\w.]+:(\d+)"/
export const httpPortOf = async (program: Running) => {
  await program.waitFor(DASHBOARD_URL_LINE, 30_000)
  return Number(DASHBOARD_URL_LINE.exec(program.stderr())![1])
}
