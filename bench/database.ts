// The database the bench runs scoreline on: MariaDB at 127.0.0.1:3306 when it answers (a database of the
// bench's own, dropped at the end), else the embedded SQLite file in a temp dir. In front of MariaDB each
// scoreline process gets a counting proxy, so the bench knows the statements *that* process sent: MariaDB's
// global counters (Questions, Com_select) also count every other client of a shared server.
import * as Mysql from "mysql2/promise"
import { randomBytes } from "node:crypto"
import { createRequire } from "node:module"
import * as Net from "node:net"
import * as Path from "node:path"

const MARIADB = { host: "127.0.0.1", port: 3306, user: "root", password: "" } as const

export interface BenchDatabase {
  readonly kind: "MariaDB" | "embedded SQLite"
  readonly description: string
  /** Environment for one scoreline process, with its own statement counter (undefined: not countable). */
  connect(): Promise<{ env: Record<string, string>; statements: (() => number) | undefined }>
  /** Rows of a query on the database a process was given (`env` from connect), read by the bench itself. */
  query<Row>(env: Record<string, string>, statement: string): Promise<Array<Row>>
  close(): Promise<void>
}

/** MySQL protocol, client to server: [3-byte length][sequence id][payload]; a command is a packet with id 0. */
const COM_QUERY = 0x03
const COM_STMT_EXECUTE = 0x17

class StatementCounter {
  count = 0
  private header: Array<number> = []
  private remaining = 0
  private atPayloadStart = false
  private sequence = 0

  feed(chunk: Buffer) {
    let i = 0
    while (i < chunk.length) {
      if (this.remaining === 0) {
        this.header.push(chunk[i++]!)
        if (this.header.length === 4) {
          const [a, b, c, seq] = this.header as [number, number, number, number]
          this.remaining = a | (b << 8) | (c << 16)
          this.sequence = seq
          this.atPayloadStart = this.remaining > 0
          this.header = []
        }
        continue
      }
      if (this.atPayloadStart) {
        const command = chunk[i]
        if (this.sequence === 0 && (command === COM_QUERY || command === COM_STMT_EXECUTE)) this.count++
        this.atPayloadStart = false
      }
      const take = Math.min(this.remaining, chunk.length - i)
      i += take
      this.remaining -= take
    }
  }
}

/** A TCP proxy to MariaDB that counts the statements passing through it. */
const countingProxy = async () => {
  const counter = new StatementCounter()
  const sockets = new Set<Net.Socket>()
  const server = Net.createServer((client) => {
    const upstream = Net.createConnection(MARIADB.port, MARIADB.host)
    for (const socket of [client, upstream]) {
      sockets.add(socket)
      socket.setNoDelay(true)
      socket.on("error", () => {
        client.destroy()
        upstream.destroy()
      })
      socket.on("close", () => sockets.delete(socket))
    }
    client.on("data", (chunk: Buffer) => counter.feed(chunk))
    client.pipe(upstream)
    upstream.pipe(client)
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  return {
    port: (server.address() as Net.AddressInfo).port,
    counter,
    close: () =>
      new Promise<void>((resolve) => {
        sockets.forEach((socket) => socket.destroy())
        server.close(() => resolve())
      })
  }
}

const reachable = async () => {
  try {
    const connection = await Mysql.createConnection({ ...MARIADB, connectTimeout: 2_000 })
    await connection.end()
    return true
  } catch {
    return false
  }
}

export const openDatabase = async (tempDir: string, forceEmbedded: boolean): Promise<BenchDatabase> => {
  if (forceEmbedded || !(await reachable())) {
    return {
      kind: "embedded SQLite",
      description: `embedded SQLite (${forceEmbedded ? "--embedded" : "MariaDB not reachable at 127.0.0.1:3306"}), one file per process in a temp dir`,
      connect: async () => ({ env: { DB_FILE: Path.join(tempDir, `scoreline-${randomBytes(3).toString("hex")}.db`) }, statements: undefined }),
      query: async <Row>(env: Record<string, string>, statement: string) => {
        const Sqlite = createRequire(import.meta.url)("better-sqlite3") as new(file: string, options: { readonly: boolean }) => {
          prepare(sql: string): { all(): Array<unknown> }
          close(): void
        }
        const file = new Sqlite(env.DB_FILE!, { readonly: true })
        try {
          return file.prepare(statement).all() as Array<Row>
        } finally {
          file.close()
        }
      },
      close: async () => {}
    }
  }
  const name = `scoreline_bench_${process.pid}_${randomBytes(3).toString("hex")}`
  const admin = await Mysql.createConnection(MARIADB)
  await admin.query(`CREATE DATABASE \`${name}\``)
  await admin.query(`USE \`${name}\``)
  const [version] = await admin.query("SELECT VERSION() AS v") as unknown as [Array<{ v: string }>]
  const proxies: Array<Awaited<ReturnType<typeof countingProxy>>> = []
  return {
    kind: "MariaDB",
    description: `MariaDB ${version[0]?.v ?? "?"} at 127.0.0.1:3306 (database ${name}, created and dropped by the bench)`,
    connect: async () => {
      const proxy = await countingProxy()
      proxies.push(proxy)
      return {
        env: { DB_HOST: "127.0.0.1", DB_PORT: String(proxy.port), DB_USER: MARIADB.user, DB_PASS: MARIADB.password, DB_NAME: name },
        statements: () => proxy.counter.count
      }
    },
    query: async <Row>(_env: Record<string, string>, statement: string) => {
      const [rows] = await admin.query(statement)
      return rows as Array<Row>
    },
    close: async () => {
      await Promise.all(proxies.map((proxy) => proxy.close()))
      await admin.query(`DROP DATABASE IF EXISTS \`${name}\``)
      await admin.end()
    }
  }
}
