/**
 * docs/dashboard.png, the README's screenshot (`npm run docs:screenshot`): `npm start`'s own system (seed 000's
 * users on their ports, an embedded database of its own) with a short interval, so the chart has points, then
 * the page in headless Chromium. Needs the ports `npm start` uses (5001-5004, 8080, 8090, 10000-10001) free.
 */
import { spawn } from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { chromium } from "playwright-core"

const ROOT = Path.join(Path.dirname(fileURLToPath(import.meta.url)), "..")
const OUT = Path.join(ROOT, "docs", "dashboard.png")
const SECONDS_OF_HISTORY = Number(process.env.SCREENSHOT_SECONDS ?? 40)

const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "scoreline-screenshot-"))
const stack = spawn(process.execPath, ["--import", "tsx", Path.join(ROOT, "src/programs/stack.ts")], {
  cwd: ROOT,
  env: { ...process.env, DB_FILE: Path.join(dir, "scoreline.db"), UPDATE_INTERVAL: "2", POLL_INTERVAL: "5", LOG_LEVEL: "warning" },
  stdio: ["ignore", "inherit", "inherit"]
})
const stopped = new Promise((resolve) => stack.once("exit", resolve))

try {
  await new Promise((resolve) => setTimeout(resolve, SECONDS_OF_HISTORY * 1000))
  const browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
  })
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
    await page.goto("http://127.0.0.1:8080/")
    await page.waitForTimeout(3_000) // the live stream's first events and the chart's animation
    await page.screenshot({ path: OUT, fullPage: true })
    console.log(`wrote ${Path.relative(process.cwd(), OUT)}`)
  } finally {
    await browser.close()
  }
} finally {
  stack.kill("SIGINT")
  await stopped
  Fs.rmSync(dir, { recursive: true, force: true })
}
