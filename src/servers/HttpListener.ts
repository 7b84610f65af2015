import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import { Effect, Layer } from "effect"
import * as Http from "node:http"

/**
 * The Node HTTP server under `@effect/platform`'s HttpServer, created here so that shutdown can close what
 * is still open. platform-node 0.108 only calls `server.close()`, which waits for every open connection,
 * and an open Server-Sent Events stream never ends by itself (notes: effect3 §10). The finalizer below is
 * built after the server, so it runs first: it cuts the remaining connections, and `close()` then returns
 * at once.
 */
export const HttpListener = (listen: { readonly host: string; readonly port: number }) =>
  Layer.unwrapEffect(Effect.sync(() => {
    const server = Http.createServer()
    const closeConnections = Layer.scopedDiscard(Effect.addFinalizer(() => Effect.sync(() => server.closeAllConnections())))
    return Layer.provideMerge(closeConnections, NodeHttpServer.layer(() => server, listen))
  }))
