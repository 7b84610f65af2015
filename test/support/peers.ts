import { execFileSync } from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"

/**
 * Peers written in the seeds' own languages, made at test time: a Python 3 standard-library script, or C
 * compiled with `cc`. They stand in for the seeds' programs, behaving as described in the issues.
 */
const TOOLS = { python3: "Python 3 (python3)", cc: "a C compiler (cc)" } as const
type Tool = keyof typeof TOOLS

const onMachine = (tool: Tool) => {
  try {
    execFileSync(tool, ["--version"], { stdio: "pipe" })
    return true
  } catch {
    return false
  }
}

/**
 * Whether the tools a file's peers need are here. In CI (`CI=true`) a missing one fails the file, because
 * those tests are part of what CI proves; on a developer's machine its tests are skipped with a line saying why.
 */
export const peersAvailable = (...tools: ReadonlyArray<Tool>): boolean => {
  const missing = tools.filter((tool) => !onMachine(tool)).map((tool) => TOOLS[tool])
  if (missing.length === 0) return true
  if (process.env.CI === "true") throw new Error(`CI=true but ${missing.join(" and ")} is not installed: the seed-like peers need it.`)
  console.warn(`skipping the tests with seed-like peers: ${missing.join(" and ")} is not installed; in CI this is a failure.`)
  return false
}

const workDir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "scoreline-peers-"))
process.once("exit", () => Fs.rmSync(workDir, { recursive: true, force: true }))

export const python = (name: string, source: string): { command: string; args: Array<string> } => {
  const file = Path.join(workDir, `${name}.py`)
  Fs.writeFileSync(file, source)
  return { command: "python3", args: ["-u", file] }
}

export const compileC = (name: string, source: string): string => {
  const file = Path.join(workDir, `${name}.c`)
  const binary = Path.join(workDir, name)
  Fs.writeFileSync(file, source)
  execFileSync("cc", ["-O1", "-Wall", "-o", binary, file], { stdio: "pipe" })
  return binary
}
