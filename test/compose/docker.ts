import { spawn } from "node:child_process"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { ROOT } from "../support/processes.js"

/** A command's result; the environment is exactly `env` plus PATH/HOME, so a developer's shell cannot leak in. */
export interface Result {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

export const run = (command: string, args: ReadonlyArray<string>, options: { env?: Record<string, string>; timeoutMs?: number } = {}): Promise<Result> =>
  new Promise((resolve, reject) => {
    const env: Record<string, string> = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/root", ...options.env }
    if (process.env.DOCKER_HOST !== undefined) env.DOCKER_HOST = process.env.DOCKER_HOST
    const child = spawn(command, args, { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (chunk) => (stdout += chunk))
    child.stderr.on("data", (chunk) => (stderr += chunk))
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 600_000)
    child.once("error", (error) => {
      clearTimeout(timer)
      reject(error)
    })
    child.once("close", (code, signal) => {
      clearTimeout(timer)
      resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr })
    })
  })

/** Runs and fails with the command's output unless it exits 0. */
export const runOk = async (command: string, args: ReadonlyArray<string>, options: { env?: Record<string, string>; timeoutMs?: number } = {}) => {
  const result = await run(command, args, options)
  if (result.code !== 0) throw new Error(`${command} ${args.join(" ")} exited ${result.code}\n${result.stdout}\n${result.stderr}`)
  return result
}

const onPath = (name: string) =>
  (process.env.PATH ?? "").split(":").some((dir) => dir !== "" && Fs.existsSync(Path.join(dir, name)))

const daemonUp = async () => {
  try {
    return (await run("docker", ["info", "--format", "{{.ServerVersion}}"], { timeoutMs: 20_000 })).code === 0
  } catch {
    return false
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Polls `check` until it returns a value (not undefined), or fails with `what` after `ms`. */
export const waitUntil = async <A>(what: string, check: () => Promise<A | undefined>, ms = 180_000, every = 1_000): Promise<A> => {
  const deadline = Date.now() + ms
  let last: unknown
  for (;;) {
    try {
      const value = await check()
      if (value !== undefined) return value
    } catch (error) {
      last = error
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ""}`)
    await sleep(every)
  }
}

/**
 * A running Docker engine, started here if need be: as root, `dockerd --bridge=none --iptables=false
 * --ip-masq=false` in the background (no bridge, no iptables: every container of the test uses the host's
 * network), logging to .tmp/dockerd.log, left running for the next run. Returns why Docker is unavailable, or
 * undefined when it is up.
 */
export const ensureDocker = async (): Promise<string | undefined> => {
  for (const tool of ["docker", "docker-compose"]) if (!onPath(tool)) return `${tool} is not installed`
  if (await daemonUp()) return undefined
  const dockerd = ["/usr/sbin/dockerd", "/usr/bin/dockerd"].find((file) => Fs.existsSync(file))
  if (dockerd === undefined) return "the Docker daemon is not running and dockerd is not installed"
  if (process.getuid?.() !== 0) return "the Docker daemon is not running, and starting it needs root"
  Fs.mkdirSync(Path.join(ROOT, ".tmp"), { recursive: true })
  const log = Fs.openSync(Path.join(ROOT, ".tmp/dockerd.log"), "a")
  const daemon = spawn(dockerd, ["--bridge=none", "--iptables=false", "--ip-masq=false"], { detached: true, stdio: ["ignore", log, log] })
  daemon.unref()
  Fs.closeSync(log)
  for (let i = 0; i < 60; i++) {
    if (await daemonUp()) return undefined
    if (daemon.exitCode !== null) break
    await sleep(1_000)
  }
  return `dockerd did not come up (see .tmp/dockerd.log)`
}

/** One container of a compose project, as `docker inspect` describes it. */
export interface Container {
  readonly id: string
  readonly service: string
  readonly status: string
  readonly exitCode: number
  readonly restartCount: number
  readonly health: string | undefined
  readonly oomKilled: boolean
}

export const containersOf = async (project: string): Promise<Array<Container>> => {
  const ids = (await runOk("docker", ["ps", "-aq", "--filter", `label=com.docker.compose.project=${project}`])).stdout.split(/\s+/).filter(Boolean)
  if (ids.length === 0) return []
  const inspected = JSON.parse((await runOk("docker", ["inspect", ...ids])).stdout) as Array<{
    Id: string
    RestartCount: number
    Config: { Labels: Record<string, string> }
    State: { Status: string; ExitCode: number; OOMKilled: boolean; Health?: { Status: string } }
  }>
  return inspected.map((c) => ({
    id: c.Id,
    service: c.Config.Labels["com.docker.compose.service"] ?? "?",
    status: c.State.Status,
    exitCode: c.State.ExitCode,
    restartCount: c.RestartCount,
    health: c.State.Health?.Status,
    oomKilled: c.State.OOMKilled
  }))
}

/**
 * Keeps the kernel from handing the test's fixed ports (35000-37999, test/compose/override.ts) to outgoing
 * connections: on the host's network, any process's ephemeral port (Prometheus's scrapes, a parallel test's
 * client) could otherwise take a port a container is about to listen on. A machine-wide setting that only root
 * can write; elsewhere the test goes on without it, and says so.
 */
export const reserveTestPorts = (range = "35000-37999") => {
  const file = "/proc/sys/net/ipv4/ip_local_reserved_ports"
  try {
    const current = Fs.readFileSync(file, "utf8").trim()
    if (!current.split(",").includes(range)) Fs.writeFileSync(file, current === "" ? range : `${current},${range}`)
  } catch (error) {
    console.warn(`compose: could not reserve ports ${range} (${error instanceof Error ? error.message : String(error)}); a port may collide with an ephemeral one`)
  }
}
