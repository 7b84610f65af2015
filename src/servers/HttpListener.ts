import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import { Effect, Layer } from "effect"
import * as Http from "node:http"

/**
 * The Node HTTP server under `@effect/platform`'s HttpServer, created here so that shutdown can close what
 * is still open. platform-node 0.108 only calls `server.close()`, which waits for every open connection,
 * and an open Server-Sent Events stream never ends by itself. The finalizer below is
 * built after the server, so it runs first: it cuts the remaining connections, and `close()` then returns
 * at once.
 *
 * `front`, when given, sees each request first, in Node's own callback, and keeps those it answers from the
 * Effect app (the dashboard's FastReads).
 */
export const HttpListener = (listen: {
  readonly host: string
  readonly port: number
  readonly front?: (request: Http.IncomingMessage, response: Http.ServerResponse) => boolean
}) =>
  Layer.unwrapEffect(Effect.sync(() => {
    const server = Http.createServer()
    const front = listen.front
    if (front !== undefined) {
      // platform-node adds its own "request" listener; Node emits the event, so the emit is where to step in.
      const emit = server.emit.bind(server)
      server.emit = ((event: string, ...args: Array<any>) =>
        event === "request" && front(args[0], args[1]) ? true : emit(event, ...args)) as typeof server.emit
    }
    const closeConnections = Layer.scopedDiscard(Effect.addFinalizer(() => Effect.sync(() => server.closeAllConnections())))
    return Layer.provideMerge(closeConnections, NodeHttpServer.layer(() => server, { host: listen.host, port: listen.port }))
  }))
