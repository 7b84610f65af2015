// The live page. State arrives as one snapshot (GET /api/snapshot, then pushed on /api/events); when the
// stream drops, the page polls the snapshot every 5 s until the stream is back. Every name is set as text
// (textContent), never as HTML. The two charts are made once and updated in place.
"use strict"

const POLL_MS = 5000
const CHART_POINTS = 20
const COLORS = ["#3b5bdb", "#2b9a66", "#e8590c", "#ae3ec9", "#1098ad", "#d6336c", "#f59f00", "#495057"]
const $ = (id) => document.getElementById(id)
const el = (tag, attrs = {}, ...children) => {
  const node = document.createElement(tag)
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value)
  for (const child of children) node.append(child) // strings become text nodes
  return node
}

let token = sessionStorage.getItem("scoreline.adminToken") ?? ""
const colorOf = new Map()
const color = (user) => {
  if (!colorOf.has(user)) colorOf.set(user, COLORS[colorOf.size % COLORS.length])
  return colorOf.get(user)
}

// "YYYY-MM-DD HH:MM:SS" on the server's wall clock, plotted as such (the axis shows the same text).
const toMillis = (stamp) => Date.parse(stamp.replace(" ", "T") + "Z")
const clockText = (millis) => new Date(millis).toISOString().slice(11, 19)

let lineChart = null
let doughnutChart = null
const makeCharts = () => {
  if (typeof Chart === "undefined") return
  lineChart = new Chart($("lineChart"), {
    type: "line",
    data: { datasets: [] },
    options: {
      animation: false, maintainAspectRatio: false, parsing: false,
      scales: { x: { type: "linear", ticks: { callback: clockText, maxTicksLimit: 6 } }, y: { beginAtZero: true } },
      plugins: { tooltip: { callbacks: { title: (items) => items.length ? clockText(items[0].parsed.x) : "" } } }
    }
  })
  doughnutChart = new Chart($("doughnutChart"), {
    type: "doughnut",
    data: { labels: [], datasets: [{ data: [], backgroundColor: [] }] },
    options: { animation: false, maintainAspectRatio: false, plugins: { legend: { position: "bottom" } } }
  })
}

/** A user's points over time: walk the recorded increments back from the current total. */
const seriesOf = (row, history) => {
  const points = [{ x: toMillis(row.datetime_stamp), y: row.points }]
  let running = row.points
  for (const entry of history) {
    if (entry.user !== row.user) continue
    const at = toMillis(entry.recorded_at)
    if (at < points[points.length - 1].x) points.push({ x: at, y: running })
    running -= entry.points
    if (running < 0) break // a reset happened before this increment: older values are not this total's
  }
  return points.reverse()
}

// What this page saw itself, so the line grows while it is open even where no history was recorded.
const observed = new Map()
const observe = (row) => {
  const seen = observed.get(row.user) ?? []
  const point = { x: toMillis(row.datetime_stamp), y: row.points }
  if (seen.length === 0 || seen[seen.length - 1].x !== point.x) seen.push(point)
  observed.set(row.user, seen.slice(-CHART_POINTS))
}
const merged = (row, history) => {
  const byTime = new Map()
  for (const point of [...(observed.get(row.user) ?? []), ...seriesOf(row, history)]) byTime.set(point.x, point)
  return [...byTime.values()].sort((a, b) => a.x - b.x).slice(-CHART_POINTS)
}

const updateCharts = (snapshot) => {
  if (lineChart === null) return
  const wanted = snapshot.users.map((row) => row.user)
  lineChart.data.datasets = lineChart.data.datasets.filter((set) => wanted.includes(set.label))
  for (const row of snapshot.users) {
    let set = lineChart.data.datasets.find((candidate) => candidate.label === row.user)
    if (set === undefined) {
      set = { label: row.user, data: [], borderColor: color(row.user), backgroundColor: color(row.user), tension: 0.2, pointRadius: 2 }
      lineChart.data.datasets.push(set)
    }
    observe(row)
    set.data = merged(row, snapshot.history)
  }
  lineChart.update("none")
  const doughnut = doughnutChart.data
  doughnut.labels = snapshot.users.map((row) => row.user)
  doughnut.datasets[0].data = snapshot.users.map((row) => row.points)
  doughnut.datasets[0].backgroundColor = snapshot.users.map((row) => color(row.user))
  doughnutChart.update("none")
}

const renderStats = (stats) => {
  $("totalPoints").textContent = String(stats.total_points)
  $("avgPoints").textContent = stats.avg_points.toFixed(1)
  $("maxPoints").textContent = String(stats.max_points)
  $("minPoints").textContent = String(stats.min_points)
}

const renderUsers = (snapshot) => {
  const paused = new Set(snapshot.paused)
  $("usersTableBody").replaceChildren(...snapshot.users.map((row) => {
    const isPaused = paused.has(row.user)
    const toggle = el("button", { type: "button", "data-action": "toggle" }, isPaused ? "Resume" : "Pause")
    const reset = el("button", { type: "button", "data-action": "reset" }, "Reset")
    toggle.addEventListener("click", () => control(row.user, "toggle"))
    reset.addEventListener("click", () => confirm(`Reset ${row.user}'s points to 0?`) && control(row.user, "reset"))
    return el("tr", { "data-user": row.user },
      el("td", { class: "user" }, row.user),
      el("td", { class: "points" }, String(row.points)),
      el("td", { class: "stamp" }, row.datetime_stamp),
      el("td", {}, el("span", { class: isPaused ? "badge paused" : "badge" }, isPaused ? "paused" : "active")),
      el("td", { class: "control" }, toggle, reset))
  }))
}

const renderServers = (servers) => {
  $("serverList").replaceChildren(...servers.map((server) =>
    el("li", { class: server.status, title: server.error ?? "" },
      el("span", { class: "dot" }),
      el("strong", {}, server.user), ` ${server.transport}:${server.port} · ${server.status}`,
      server.rtt_ms === null ? "" : ` · ${server.rtt_ms} ms`)))
}

const render = (snapshot) => {
  renderStats(snapshot.stats)
  renderUsers(snapshot)
  renderServers(snapshot.servers)
  updateCharts(snapshot)
  $("updatedAt").textContent = `updated ${new Date().toLocaleTimeString()}`
}

const setLive = (state, text) => {
  $("liveState").dataset.state = state
  $("liveState").textContent = text
}

// Polling, only while the stream is down.
let pollTimer = null
const pollOnce = () =>
  fetch("/api/snapshot").then((response) => response.json()).then((body) => render(body.data))
const startPolling = () => {
  if (pollTimer !== null) return
  setLive("polling", "polling every 5 s")
  const loop = () => {
    pollOnce().then(() => setLive("polling", "polling every 5 s"), () => setLive("offline", "offline, retrying"))
    pollTimer = setTimeout(loop, POLL_MS)
  }
  pollTimer = setTimeout(loop, POLL_MS)
}
const stopPolling = () => {
  if (pollTimer !== null) clearTimeout(pollTimer)
  pollTimer = null
}

const connect = () => {
  const stream = new EventSource("/api/events")
  stream.addEventListener("open", () => {
    stopPolling()
    setLive("live", "live")
  })
  stream.addEventListener("snapshot", (event) => render(JSON.parse(event.data)))
  // The browser reconnects by itself (the server asks for 2 s); meanwhile the page polls.
  stream.addEventListener("error", startPolling)
}

const control = (user, action) => {
  const message = $("controlMessage")
  fetch(`/api/users/${encodeURIComponent(user)}/${action}`, { method: "POST", headers: { authorization: `Bearer ${token}` } })
    .then((response) => response.json().then((body) => {
      message.textContent = response.ok
        ? (body.message ?? `${body.username} is now ${body.status}`)
        : `${response.status}: ${body.error ?? "failed"}`
      if (response.ok) return pollOnce()
    }))
    .catch((error) => {
      message.textContent = `failed: ${error}`
    })
}

const useToken = (value) => {
  token = value
  sessionStorage.setItem("scoreline.adminToken", token)
  document.body.classList.toggle("admin", token !== "")
  $("controlMessage").textContent = token === "" ? "" : "controls enabled"
}

document.addEventListener("DOMContentLoaded", () => {
  makeCharts()
  $("adminToken").value = token
  useToken(token)
  $("tokenForm").addEventListener("submit", (event) => {
    event.preventDefault()
    useToken($("adminToken").value.trim())
  })
  pollOnce().catch(() => setLive("offline", "offline, retrying"))
  connect()
})
