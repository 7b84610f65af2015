import { connect } from "./NodeSocket.js"
import { exchange, listenDatagram } from "./NodeDatagram.js"
import { listenStream } from "./NodeStreamListener.js"
import type { TransportShape } from "./Types.js"

/** Real sockets: `node:net` (or `node:tls` when given a certificate) for streams, `node:dgram` for datagrams. */
export const makeNodeTransport = (): TransportShape => ({ listenStream, listenDatagram, connect, exchange })
