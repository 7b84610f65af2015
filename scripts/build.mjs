// npm run build: every program in src/programs/ bundled into dist/<program>.mjs, runnable with plain `node`.
// Bundled, a program starts in about a third of a second (no tsx, no TypeScript, no module resolution at run
// time). better-sqlite3 stays outside: it is a native addon.
//
// Split into chunks (dist/chunk-*.mjs, shared by the programs), and minified but for names, for memory:
// V8 parses each module in one zone, and glibc keeps the zone's pages after it is freed, so one 4 MB module
// left a process with ~23 MB of freed heap. Chunks are parsed one by one, and the database drivers (imported
// when a store is built) are chunks of their own. docs/BENCHMARKS.md has the figures.
import { build } from "esbuild"
import * as Fs from "node:fs"
import { createRequire } from "node:module"
import * as Path from "node:path"

const root = Path.resolve(import.meta.dirname, "..")
const programs = Fs.readdirSync(Path.join(root, "src/programs")).filter((file) => file.endsWith(".ts"))

// Chunk names change with their content: clear the old ones so dist/ holds one build.
for (const file of Fs.existsSync(Path.join(root, "dist")) ? Fs.readdirSync(Path.join(root, "dist")) : []) {
  if (/\.mjs(\.map)?$/.test(file)) Fs.rmSync(Path.join(root, "dist", file))
}

await build({
  absWorkingDir: root,
  entryPoints: Object.fromEntries(programs.map((file) => [file.replace(/\.ts$/, ""), `src/programs/${file}`])),
  outdir: "dist",
  outExtension: { ".js": ".mjs" },
  bundle: true,
  platform: "node",
  target: "node20",
  format: "esm",
  splitting: true,
  minifyWhitespace: true,
  minifySyntax: true,
  external: ["better-sqlite3"],
  // Some bundled dependencies are CommonJS and call require(): give the ES module one.
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  sourcemap: "linked",
  logLevel: "warning"
})
console.log(`built ${programs.length} programs into dist/: ${programs.map((file) => file.replace(/\.ts$/, ".mjs")).join(", ")}`)

// The dashboard's page files, and Chart.js from node_modules, beside the bundles: src/dashboard/Assets.ts
// looks for dist/dashboard-assets/ when it runs from dist/ (a bundle has no src/ next to it).
const assets = Path.join(root, "dist/dashboard-assets")
Fs.rmSync(assets, { recursive: true, force: true })
Fs.cpSync(Path.join(root, "src/dashboard/assets"), assets, { recursive: true })
const chartJs = Path.join(Path.dirname(createRequire(import.meta.url).resolve("chart.js")), "chart.umd.min.js")
Fs.mkdirSync(Path.join(assets, "vendor"), { recursive: true })
Fs.copyFileSync(chartJs, Path.join(assets, "vendor/chart.umd.min.js"))
console.log("copied the dashboard's assets and Chart.js into dist/dashboard-assets/")
