/**
 * How many socket requests a server answered, `scoreline_socket_requests_total{transport, outcome="ok"}`, read
 * from its own /metrics (METRICS_PORT): what a replica behind a load balancer served.
 */
export const requestsServed = async (host: string, metricsPort: number, transport: string): Promise<number> => {
  const text = await (await fetch(`http://${host}:${metricsPort}/metrics`)).text()
  const line = new RegExp(`^scoreline_socket_requests_total\\{transport="${transport}",outcome="ok"\\} (\\d+)$`, "m").exec(text)
  return line === null ? 0 : Number(line[1])
}
