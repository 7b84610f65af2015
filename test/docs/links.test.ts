import * as Fs from "node:fs"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"
import { DIAGRAM_FILE, systemDiagram } from "../../scripts/diagram.js"

/** The docs hold together: the README is a front door, every relative link lands, the folder table is the tree. */

const ROOT = Path.join(Path.dirname(fileURLToPath(import.meta.url)), "..", "..")
const read = (file: string) => Fs.readFileSync(Path.join(ROOT, file), "utf8")
const DOCS = ["README.md", ...Fs.readdirSync(Path.join(ROOT, "docs")).filter((f) => f.endsWith(".md")).map((f) => `docs/${f}`)]

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens. */
const anchorOf = (heading: string) =>
  heading.trim().toLowerCase().replace(/[^\p{L}\p{N} _-]/gu, "").replace(/ /g, "-")

const anchorsIn = (text: string) => {
  const withoutCode = text.replace(/```[\s\S]*?```/g, "")
  return new Set([...withoutCode.matchAll(/^#{1,6} (.+)$/gm)].map((m) => anchorOf(m[1]!)))
}

describe("the docs", () => {
  it("keep the README a front door: at most 250 lines, in the order the issue set", () => {
    const readme = read("README.md")
    expect(readme.split("\n").length).toBeLessThanOrEqual(250)
    const headings = [...readme.matchAll(/^## (.+)$/gm)].map((m) => m[1]!)
    expect(headings.indexOf("The two commands")).toBeLessThan(headings.indexOf("What you then see"))
    expect(headings.indexOf("What you then see")).toBeLessThan(headings.indexOf("The seeds and their commands"))
    expect(headings.at(-1)).toBe("Where next")
    expect(readme).toContain("(docs/system.svg)")
  })

  it.each(DOCS)("%s: every relative link and anchor lands", (file) => {
    const text = read(file).replace(/```[\s\S]*?```/g, "")
    for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^[a-z]+:/.test(target!)) continue
      const [path, anchor] = target!.split("#") as [string, string | undefined]
      const resolved = path === "" ? file : Path.join(Path.dirname(file), path)
      expect(Fs.existsSync(Path.join(ROOT, resolved)), `${file} links to ${target}, which does not exist`).toBe(true)
      if (anchor !== undefined && resolved.endsWith(".md")) {
        expect(anchorsIn(read(resolved)), `${file} links to ${target}: no such heading`).toContain(anchor)
      }
    }
  })

  it("name every src/ folder in docs/ARCHITECTURE.md's folder table", () => {
    const architecture = read("docs/ARCHITECTURE.md")
    for (const folder of Fs.readdirSync(Path.join(ROOT, "src"))) {
      expect(architecture, `src/${folder}/ is missing from the folder table`).toMatch(new RegExp(`^\\| \`src/${folder}/\` \\|`, "m"))
    }
  })

  it("draw docs/system.svg as scripts/diagram.ts does (npm run docs:diagram)", () => {
    expect(Fs.readFileSync(DIAGRAM_FILE, "utf8"), "stale: run npm run docs:diagram").toBe(systemDiagram())
  })
})
