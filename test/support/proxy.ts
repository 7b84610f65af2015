import * as Net from "node:net"
import { afterAll, beforeAll } from "vitest"
import { MARIADB } from "./mariadb.js"

/**
 * A TCP proxy on 127.0.0.1 in front of a real service, which a test can cut (every connection dropped, new
 * ones refused: the service is "down") and restore on the same port. It stands in for a database outage.
 * Or freeze: every connection stays open and nothing more passes either way (a service that hangs).
 */
export interface Proxy {
  readonly port: number
  /** Connections accepted so far (a client that keeps its connection opens one). */
  readonly accepted: number
  cut(): Promise<void>
  freeze(): void
  restore(): Promise<void>
  close(): Promise<void>
}

export const startProxy = async (target: { host: string; port: number }): Promise<Proxy> => {
  const open = new Set<Net.Socket>()
  let frozen = false
  let accepted = 0
  const forward = (client: Net.Socket) => {
    accepted++
    if (frozen) {
      open.add(client.on("error", () => {}))
      return
    }
    const upstream = Net.createConnection(target)
    for (const socket of [client, upstream]) {
      open.add(socket)
      socket.on("error", () => {}).once("close", () => open.delete(socket))
    }
    client.pipe(upstream).pipe(client)
    client.once("close", () => upstream.destroy())
    upstream.once("close", () => client.destroy())
  }
  const listen = (port: number) =>
    new Promise<Net.Server>((resolve, reject) => {
      const server = Net.createServer(forward).once("error", reject)
      server.listen(port, "127.0.0.1", () => resolve(server))
    })
  let server: Net.Server | undefined = await listen(0)
  const port = (server.address() as Net.AddressInfo).port
  const cut = async () => {
    const closing = server
    server = undefined
    for (const socket of open) socket.destroy()
    if (closing) await new Promise<void>((resolve) => closing.close(() => resolve()))
  }
  return {
    port,
    get accepted() {
      return accepted
    },
    cut,
    freeze: () => {
      frozen = true
      // Each side stops passing on what it reads, and stops reading: the connections stay open, silent.
      for (const socket of open) socket.unpipe().pause()
    },
    restore: async () => {
      server ??= await listen(port)
    },
    close: cut
  }
}

/** A proxy in front of the test MariaDB for one file's tests: started before them, closed after. */
export const useMariaDbProxy = (): Proxy => {
  let proxy: Proxy | undefined
  beforeAll(async () => {
    proxy = await startProxy({ host: MARIADB.host, port: MARIADB.port })
  })
  afterAll(async () => {
    await proxy?.close()
  })
  const current = () => {
    if (proxy === undefined) throw new Error("the proxy starts in beforeAll")
    return proxy
  }
  return {
    get port() {
      return current().port
    },
    get accepted() {
      return current().accepted
    },
    cut: () => current().cut(),
    freeze: () => current().freeze(),
    restore: () => current().restore(),
    close: () => current().close()
  }
}
