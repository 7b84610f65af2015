import { execFileSync } from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"

/**
 * Peers written in the seeds' own languages, made at test time: a Python 3 standard-library script, or C
 * compiled with `cc`. They stand in for the seeds' programs, behaving as described in the issues.
 */
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
