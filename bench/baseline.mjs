// The bare Node baseline the bench compares scoreline with: node:net, node:dgram and node:http with a
// constant reply, doing only what any server of this protocol must (cut lines, answer, close one-shot
// connections). No framework, no state, no database: the ceiling a Node server reaches on this machine.
//
//   node bench/baseline.mjs '<reply line>' ['<http body>']
// Binds TCP, UDP (and HTTP when a body is given) on 127.0.0.1, ephemeral ports, and prints one JSON line:
// {"pid":…, "tcp":port, "udp":port, "http":port|null}. SIGTERM closes everything and exits 0.
import * as Dgram from "node:dgram"
import * as Http from "node:http"
import * as Net from "node:net"

const reply = process.argv[2]
const httpBody = process.argv[3]
if (reply === undefined) {
  console.error("usage: node bench/baseline.mjs '<reply line>' ['<http body>']")
  process.exit(2)
}
const replyBytes = Buffer.from(reply.endsWith("\n") ? reply : `${reply}\n`)

// TCP: a line without KEEP-ALIVE gets the reply and a FIN; with KEEP-ALIVE the connection stays open.
const tcp = Net.createServer({ noDelay: true }, (socket) => {
  let pending = ""
  socket.on("error", () => socket.destroy())
  socket.on("data", (chunk) => {
    pending += chunk.toString("latin1")
    for (let end = pending.indexOf("\n"); end !== -1; end = pending.indexOf("\n")) {
      const line = pending.slice(0, end)
      pending = pending.slice(end + 1)
      if (line.endsWith("KEEP-ALIVE")) socket.write(replyBytes)
      else return void socket.end(replyBytes)
    }
  })
})

const udp = Dgram.createSocket("udp4")
udp.on("message", (_request, from) => udp.send(replyBytes, from.port, from.address))

const http = httpBody === undefined ? undefined : Http.createServer((_request, response) => {
  response.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(httpBody) })
  response.end(httpBody)
})

const listen = (server) => new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server.address().port)))
const ports = {
  pid: process.pid,
  tcp: await listen(tcp),
  udp: await new Promise((resolve) => udp.bind(0, "127.0.0.1", () => resolve(udp.address().port))),
  http: http === undefined ? null : await listen(http)
}
console.log(JSON.stringify(ports))

process.once("SIGTERM", () => {
  tcp.close()
  udp.close()
  http?.close()
  // Open keep-alive connections would hold tcp.close() up; the baseline has nothing to drain.
  process.exit(0)
})
