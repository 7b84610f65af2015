import * as NodeContext from "@effect/platform-node/NodeContext"
import { Effect } from "effect"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { driftOf } from "../../scripts/k8s/Files.js"
import { committedTree, DEFAULT_IMAGE, DEFAULT_REPLICAS, singleBase } from "../../scripts/k8s/Plan.js"
import { startCommand } from "../support/processes.js"
import { readTree, TREE } from "./manifests.js"

/** The committed manifests are what the generator writes from the rosters today: the two cannot drift. */
const run = <A, E>(effect: Effect.Effect<A, E, NodeContext.NodeContext>) => Effect.runPromise(Effect.provide(effect, NodeContext.layer))
const defaults = { replicas: DEFAULT_REPLICAS, image: DEFAULT_IMAGE }

describe("deploy/kubernetes and the generator", () => {
  it("the committed tree equals a fresh generation, with no file left over", async () => {
    const plan = await run(committedTree(defaults, TREE))
    expect(await run(driftOf(TREE, plan.files, { ownsFolder: true }))).toEqual([])
    expect(plan.files.length).toBeGreaterThan(20)
  })

  it("`--roster seed000 --out deploy/kubernetes/base` writes exactly the committed base", async () => {
    const plan = await run(singleBase("seed000", Path.join(TREE, "base"), defaults))
    expect(await run(driftOf(plan.root, plan.files, { ownsFolder: true }))).toEqual([])
  })

  it("notices a changed, a missing and a stale file", async () => {
    const copy = Fs.mkdtempSync(Path.join(Os.tmpdir(), "scoreline-k8s-"))
    try {
      Fs.cpSync(TREE, copy, { recursive: true })
      Fs.appendFileSync(Path.join(copy, "base/points-ikhwan.yaml"), "# hand edit\n")
      Fs.rmSync(Path.join(copy, "overlays/seed002/points-c-user-akmal.yaml"))
      Fs.writeFileSync(Path.join(copy, "base/points-gone.yaml"), "")
      const plan = await run(committedTree(defaults, copy))
      expect(await run(driftOf(copy, plan.files, { ownsFolder: true }))).toEqual([
        "base/points-ikhwan.yaml: differs from a fresh generation",
        "overlays/seed002/points-c-user-akmal.yaml: missing",
        "base/points-gone.yaml: no longer generated"
      ])
    } finally {
      Fs.rmSync(copy, { recursive: true, force: true })
    }
  })

  it("every kustomization lists every manifest and sub-kustomization of its folder, and nothing that is not there", () => {
    const files = readTree()
    for (const file of files) {
      const kustomization = file.objects.find((o) => o.kind === "Kustomization" || o.kind === "Component") as any
      if (kustomization === undefined) continue
      const dir = Path.posix.dirname(file.path)
      const listed: Array<string> = kustomization.resources ?? []
      const envs: Array<string> = (kustomization.configMapGenerator ?? []).flatMap((g: any) => g.envs ?? [])
      // The Secret's template is deliberately not a resource (see Settings.ts): applying it would blank the secret.
      const here = Fs.readdirSync(Path.join(TREE, dir)).filter((name) =>
        name.endsWith(".yaml") && name !== "kustomization.yaml" && !name.endsWith(".template.yaml")
      )
      for (const name of here) expect(listed, `${dir}/kustomization.yaml`).toContain(name)
      // A folder below with its own kustomization (the base's common/) is part of this one only if listed.
      const below = Fs.readdirSync(Path.join(TREE, dir), { withFileTypes: true })
        .filter((entry) => entry.isDirectory() && Fs.existsSync(Path.join(TREE, dir, entry.name, "kustomization.yaml")))
      for (const entry of below) expect(listed, `${dir}/kustomization.yaml`).toContain(entry.name)
      for (const name of Fs.readdirSync(Path.join(TREE, dir)).filter((n) => n.endsWith(".env"))) expect(envs, dir).toContain(name)
      for (const entry of [...listed, ...envs, ...(kustomization.components ?? [])]) {
        const target = Path.join(TREE, dir, entry)
        expect(Fs.existsSync(target), `${dir}: ${entry}`).toBe(true)
        if (Fs.statSync(target).isDirectory()) expect(Fs.existsSync(Path.join(target, "kustomization.yaml")), `${dir}: ${entry}`).toBe(true)
      }
    }
  })
})

describe("npm run k8s", () => {
  const scratch = Fs.mkdtempSync(Path.join(Os.tmpdir(), "scoreline-k8s-cli-"))
  afterAll(() => Fs.rmSync(scratch, { recursive: true, force: true }))
  const k8s = (...args: Array<string>) => startCommand(process.execPath, ["--import", "tsx", "scripts/k8s.ts", ...args])

  it("--check passes on the committed tree", async () => {
    const check = k8s("--check")
    expect(await check.exited, check.stderr()).toBe(0)
    expect(check.stdout()).toMatch(/deploy\/kubernetes: \d+ files, as generated/)
  }, 60_000)

  it("writes a base for a roster file, and --check then names a file edited by hand", async () => {
    const roster = Path.join(scratch, "team.json")
    Fs.writeFileSync(roster, JSON.stringify({ name: "team", description: "two", servers: [{ user: "Ana_B", transport: "udp", port: 7001 }, { user: "bo", transport: "tcp", port: 7002 }] }))
    const out = Path.join(scratch, "out")
    const write = k8s("--roster", roster, "--out", out, "--replicas", "3")
    expect(await write.exited, write.stderr()).toBe(0)
    const server = Fs.readFileSync(Path.join(out, "points-ana-b.yaml"), "utf8")
    expect(server).toContain("replicas: 3")
    expect(server).toContain("protocol: UDP")
    Fs.appendFileSync(Path.join(out, "points-bo.yaml"), "# edited\n")
    const check = k8s("--roster", roster, "--out", out, "--replicas", "3", "--check")
    expect(await check.exited).toBe(1)
    expect(check.stderr()).toContain("points-bo.yaml: differs from a fresh generation")
  }, 60_000)

  it("refuses a roster whose users would share Kubernetes names, in one line", async () => {
    const roster = Path.join(scratch, "clash.json")
    Fs.writeFileSync(roster, JSON.stringify({ name: "clash", description: "", servers: [{ user: "c_user", transport: "tcp", port: 7001 }, { user: "C-user", transport: "tcp", port: 7002 }] }))
    const write = k8s("--roster", roster, "--out", Path.join(scratch, "clash"))
    expect(await write.exited).toBe(1)
    expect(write.stderr()).toContain(`error: roster: users "c_user" and "C-user" both become "c-user" in Kubernetes names`)
    expect(Fs.existsSync(Path.join(scratch, "clash"))).toBe(false)
  }, 60_000)
})
