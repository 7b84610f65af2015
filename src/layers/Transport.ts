import { Context, Layer } from "effect"
import { makeMemoryTransport } from "./transport/MemoryTransport.js"
import { makeNodeTransport } from "./transport/NodeTransport.js"
import type { TransportShape } from "./transport/Types.js"

export * from "./transport/Types.js"

export class Transport extends Context.Tag("scoreline/Transport")<Transport, TransportShape>() {
  /** Real sockets: `node:net` for streams, `node:dgram` for datagrams. */
  static readonly layer = Layer.sync(Transport, makeNodeTransport)
  /** An in-process network for layer-swapped tests: ports are map keys, bytes move through mailboxes. */
  static readonly layerMemory = Layer.effect(Transport, makeMemoryTransport)
}
