import * as Fs from "node:fs"
import * as Path from "node:path"
import { type Browser, chromium } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type InProcessServer, startPointsServer, uniqueUser, useEmbeddedDb } from "../programs/harness.js"
import { ROOT } from "../support/processes.js"
import { requireTool, type RunningDashboard, startDashboard } from "./support.js"

const CHROMIUM = "/usr/bin/chromium"
/** Screenshots of each run (git-ignored); docs/dashboard.png is one of them, committed by hand. */
const SHOTS = Path.join(ROOT, "test-results", "dashboard")
/** A name that is HTML: it must show as these characters, never become an element. */
const XSS = "<img/src=x/onerror=alert(1)>"

describe.skipIf(!requireTool(CHROMIUM, "chromium"))("dashboard in headless Chromium", () => {
  const db = useEmbeddedDb()
  const users = [uniqueUser("alice"), uniqueUser("bob"), XSS]
  const servers: Array<InProcessServer> = []
  let dashboard: RunningDashboard
  let browser: Browser

  beforeAll(async () => {
    Fs.mkdirSync(SHOTS, { recursive: true })
    for (const [i, user] of users.entries()) servers.push(await startPointsServer({ db: db.layer(), user, intervalSeconds: 0.6 + i * 0.3 }))
    dashboard = await startDashboard({
      db: db.layer(),
      refreshSeconds: 0.3,
      roster: servers.map((s) => ({ user: s.user, transport: "tcp" as const, port: s.port, dialect: "REQUEST_LATEST_POINTS" as const }))
    })
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"] })
  }, 60_000)
  afterAll(async () => {
    await browser?.close()
    await dashboard?.stop()
    for (const server of servers) await server.stop()
  })

  const pointsOf = (page: import("playwright-core").Page, user: string) =>
    page.locator("#usersTableBody tr").filter({ has: page.locator("td.user", { hasText: user }) }).locator("td.points").innerText().then(Number)

  it("shows every user, draws the charts, updates points without a reload, renders names as text", async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
    const alerts: Array<string> = []
    page.on("dialog", (dialog) => {
      alerts.push(dialog.message())
      void dialog.dismiss()
    })
    const external: Array<string> = []
    page.on("request", (request) => {
      if (!request.url().startsWith(dashboard.url)) external.push(request.url())
    })
    await page.goto(dashboard.url)
    for (const user of users) await expect.poll(() => page.locator("td.user", { hasText: user }).count(), { timeout: 20_000 }).toBe(1)
    // The XSS name is the cell's text; no <img> was made from it, and nothing ran.
    expect(await page.locator("td.user", { hasText: XSS }).innerText()).toBe(XSS)
    expect(await page.locator("#usersTableBody img").count()).toBe(0)
    // Both charts drew something: their canvases have non-blank pixels.
    for (const id of ["lineChart", "doughnutChart"]) {
      await expect.poll(() => page.evaluate((canvasId) => {
        // Runs in the page (the test's tsconfig has no DOM types).
        const canvas = (globalThis as any).document.getElementById(canvasId)
        const pixels: Uint8ClampedArray = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data
        let painted = 0
        for (let i = 3; i < pixels.length; i += 4) if (pixels[i]! > 0) painted++
        return painted
      }, id), { timeout: 20_000 }).toBeGreaterThan(100)
    }
    // Live: a tick shows up by itself (SSE), and the chart object is the same one, updated in place.
    await expect.poll(() => page.locator("#liveState").getAttribute("data-state"), { timeout: 20_000 }).toBe("live")
    const chartBefore = await page.evaluate(() => (globalThis as any).Chart.getChart("lineChart").id)
    const start = await pointsOf(page, users[0]!)
    await expect.poll(() => pointsOf(page, users[0]!), { timeout: 20_000 }).toBeGreaterThan(start)
    expect(await page.evaluate(() => (globalThis as any).Chart.getChart("lineChart").id)).toBe(chartBefore)
    expect(Number(await page.locator("#totalPoints").innerText())).toBeGreaterThan(0)
    await expect.poll(() => page.locator("#serverList li.up").count(), { timeout: 20_000 }).toBe(3)
    await page.waitForTimeout(1_500) // a few more points on the line chart for the screenshot
    await page.screenshot({ path: Path.join(SHOTS, "desktop.png"), fullPage: true })
    expect(alerts).toEqual([])
    expect(external).toEqual([])
    await page.close()
  })

  it("fits a 390 px phone with no horizontal scrolling", async () => {
    const page = await browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true })
    await page.goto(dashboard.url)
    await expect.poll(() => page.locator("#usersTableBody tr").count(), { timeout: 20_000 }).toBe(3)
    const overflow = await page.evaluate(() => {
      const root = (globalThis as any).document.documentElement
      return root.scrollWidth - root.clientWidth
    })
    expect(overflow).toBeLessThanOrEqual(0)
    await page.screenshot({ path: Path.join(SHOTS, "phone.png"), fullPage: true })
    await page.close()
  })

  it("falls back to polling when the stream drops", async () => {
    const page = await browser.newPage()
    // The stream is refused outright: the page must still fill in, and say it polls.
    await page.route("**/api/events", (route) => route.abort())
    await page.goto(dashboard.url)
    await expect.poll(() => page.locator("#liveState").getAttribute("data-state"), { timeout: 20_000 }).toBe("polling")
    const start = await pointsOf(page, users[0]!)
    await expect.poll(() => pointsOf(page, users[0]!), { timeout: 30_000 }).toBeGreaterThan(start)
    await page.close()
  })

  it("seed 001's own page, served against our API, fills in our numbers", async () => {
    const page = await browser.newPage()
    const html = Fs.readFileSync(Path.join(ROOT, "test/dashboard/fixtures/seed001-page.html"), "utf8")
    await page.route(`${dashboard.url}/seed001`, (route) => route.fulfill({ contentType: "text/html", body: html }))
    const errors: Array<string> = []
    page.on("pageerror", (error) => errors.push(error.message))
    await page.goto(`${dashboard.url}/seed001`)
    await expect.poll(() => page.locator("#usersTableBody tr").count(), { timeout: 20_000 }).toBe(3)
    const api = (await (await fetch(`${dashboard.url}/api/stats`)).json()) as { data: { max_points: number } }
    expect(Number(await page.locator("#totalPoints").innerText())).toBeGreaterThan(0)
    expect(await page.locator("#avgPoints").innerText()).toMatch(/^\d+\.\d$/)
    expect(Number(await page.locator("#maxPoints").innerText())).toBeLessThanOrEqual(api.data.max_points)
    expect(await page.locator("#servers li").count()).toBe(3)
    expect(errors).toEqual([])
    await page.close()
  })
})
