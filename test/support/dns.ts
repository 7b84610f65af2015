import * as Dgram from "node:dgram"
import { afterAll, beforeAll } from "vitest"

/**
 * A stand-in for Docker's embedded DNS (127.0.0.11 on a compose network), on a loopback port of its own: it
 * answers a name's A query with the addresses the test has set for it (Docker: one per running replica of a
 * service), and NXDOMAIN for any other name. Enough DNS for nginx's resolver: one question, A records, no
 * EDNS, no recursion.
 */
export interface DnsStandIn {
  readonly port: number
  /** The addresses `name` resolves to from now on; none makes it unknown (NXDOMAIN), as a stopped service. */
  set(name: string, addresses: ReadonlyArray<string>): void
}

const TTL_SECONDS = 600 // Docker's: nginx's `resolver … valid=` decides how long nginx keeps an answer.

/** The question's name (labels joined by dots) and where the question ends. */
const readQuestion = (query: Buffer) => {
  const labels: Array<string> = []
  let offset = 12
  while (query[offset] !== 0) {
    const length = query[offset]!
    labels.push(query.subarray(offset + 1, offset + 1 + length).toString("latin1"))
    offset += length + 1
  }
  return { name: labels.join(".").toLowerCase(), type: query.readUInt16BE(offset + 1), end: offset + 5 }
}

const answerTo = (query: Buffer, records: ReadonlyMap<string, ReadonlyArray<string>>): Buffer => {
  const question = readQuestion(query)
  const known = records.get(question.name)
  const addresses = question.type === 1 ? (known ?? []) : []
  const header = Buffer.alloc(12)
  header.writeUInt16BE(query.readUInt16BE(0), 0) // the query's id
  header.writeUInt16BE(0x8180 | (known === undefined ? 3 : 0), 2) // a response, recursion available; NXDOMAIN if unknown
  header.writeUInt16BE(1, 4)
  header.writeUInt16BE(addresses.length, 6)
  const answers = addresses.map((address) => {
    const record = Buffer.alloc(16)
    record.writeUInt16BE(0xc00c, 0) // the name: a pointer to the question's
    record.writeUInt16BE(1, 2) // A
    record.writeUInt16BE(1, 4) // IN
    record.writeUInt32BE(TTL_SECONDS, 6)
    record.writeUInt16BE(4, 10)
    address.split(".").forEach((part, i) => (record[12 + i] = Number(part)))
    return record
  })
  return Buffer.concat([header, query.subarray(12, question.end), ...answers])
}

/** Starts the stand-in before the block's tests and closes it after them. */
export const useDnsStandIn = (): DnsStandIn => {
  const records = new Map<string, ReadonlyArray<string>>()
  const socket = Dgram.createSocket("udp4")
  let port: number | undefined
  beforeAll(async () => {
    socket.on("message", (query, peer) => {
      if (query.length > 12) socket.send(answerTo(query, records), peer.port, peer.address)
    })
    await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve))
    port = socket.address().port
  })
  afterAll(() => new Promise<void>((resolve) => socket.close(() => resolve())))
  return {
    get port() {
      if (port === undefined) throw new Error("the DNS stand-in starts in beforeAll")
      return port
    },
    set: (name, addresses) => {
      if (addresses.length === 0) records.delete(name.toLowerCase())
      else records.set(name.toLowerCase(), [...addresses])
    }
  }
}
