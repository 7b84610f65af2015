import * as Fs from "node:fs"
import * as Net from "node:net"
import * as Os from "node:os"
import * as Path from "node:path"
import { afterAll } from "vitest"
import { type Running, startCommand } from "./processes.js"

/**
 * Debian's nginx with its stream module (`nginx`, `libnginx-mod-stream`), the load balancer compose runs in
 * front of a user's replicas. In CI (`CI=true`) a missing nginx fails the run (.ci/run installs it); on a
 * developer's machine its tests are skipped with a message.
 */
export const NGINX = {
  binary: "/usr/sbin/nginx",
  streamModule: "/usr/lib/nginx/modules/ngx_stream_module.so"
} as const

const missing = [NGINX.binary, NGINX.streamModule].filter((file) => !Fs.existsSync(file))
if (missing.length > 0) {
  const why = `${missing.join(" and ")} not found (Debian: apt-get install nginx libnginx-mod-stream)`
  if (process.env.CI === "true") throw new Error(`CI=true but ${why}`)
  console.warn(`skipping the load balancer tests: ${why}; in CI this is a failure.`)
}

export const nginxAvailable = missing.length === 0

/** A test running as root runs nginx as nobody, so it proves nginx needs no privilege (its ports are free, above 1024). */
const UNPRIVILEGED = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : undefined

/** The processes whose parent is `pid` (nginx's workers), from /proc. */
const childrenOf = (pid: number): Array<number> =>
  Fs.readdirSync("/proc").filter((entry) => {
    if (!/^\d+$/.test(entry)) return false
    try {
      // /proc/<pid>/stat: "pid (name) state ppid …"; the name may hold spaces, so read after its ")".
      const stat = Fs.readFileSync(`/proc/${entry}/stat`, "utf8")
      return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) === pid
    } catch {
      return false // exited meanwhile
    }
  }).map(Number)

/** The effective user ids of a process and its children (nginx's master and workers). */
export const userIdsOf = (pid: number): Array<number> => {
  const uid = (p: number) => Number(/^Uid:\s+\d+\s+(\d+)/m.exec(Fs.readFileSync(`/proc/${p}/status`, "utf8"))![1])
  return [pid, ...childrenOf(pid)].map(uid)
}

/** Reads `ok` from the health listener; undefined while nothing (or something else) answers. */
export const healthOf = (port: number): Promise<string | undefined> =>
  new Promise((resolve) => {
    const socket = Net.createConnection({ host: "127.0.0.1", port })
    let text = ""
    socket.setEncoding("utf8")
    socket.on("data", (chunk) => (text += chunk))
    socket.on("error", () => resolve(undefined))
    socket.on("close", () => resolve(text === "" ? undefined : text))
  })

/**
 * Starts nginx in the foreground with a prefix of its own (`-p`, a temp dir), the config `confFor(dir)` returns
 * and its errors on stderr; resolves once its health listener answers `ok`. Stop it with SIGQUIT (graceful), as
 * compose does; whatever is still running after the file's tests is killed, and the prefix removed.
 */
export const useNginx = () => {
  const started: Array<{ readonly nginx: Running; readonly dir: string }> = []
  afterAll(async () => {
    for (const { dir, nginx } of started) {
      if (nginx.child.exitCode === null && nginx.child.signalCode === null) {
        // Workers outlive a SIGKILLed master (and keep its ports): kill them first.
        for (const worker of childrenOf(nginx.child.pid!)) process.kill(worker, "SIGKILL")
        nginx.kill("SIGKILL")
      }
      await nginx.exited
      Fs.rmSync(dir, { recursive: true, force: true })
    }
  })
  return async (confFor: (dir: string) => string, healthPort: number): Promise<Running> => {
    const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "scoreline-nginx-"))
    Fs.writeFileSync(Path.join(dir, "nginx.conf"), confFor(dir))
    if (UNPRIVILEGED !== undefined) Fs.chownSync(dir, UNPRIVILEGED.uid, UNPRIVILEGED.gid)
    const nginx = startCommand(NGINX.binary, ["-p", dir, "-c", Path.join(dir, "nginx.conf"), "-e", "stderr", "-g", "daemon off;"], {}, UNPRIVILEGED)
    started.push({ nginx, dir })
    const deadline = Date.now() + 15_000
    while ((await healthOf(healthPort)) !== "ok\n") {
      if (nginx.child.exitCode !== null || Date.now() > deadline) throw new Error(`nginx did not come up:\n${nginx.stderr()}`)
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    return nginx
  }
}
