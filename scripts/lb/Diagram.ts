// docs/scaling.svg: clients → the load balancer → a user's replicas → the database, as compose runs them
// (docs/SCALING.md). Drawn here, not by hand, so the picture is checked in with its source: `npm run
// compose:layouts` writes it, and test/compose/layouts.test.ts fails when the two differ.
import { BOUNDS } from "./Nginx.js"

export const DIAGRAM_FILE = "docs/scaling.svg"

const escape = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")

interface Box {
  readonly x: number
  readonly y: number
  readonly width: number
  readonly height: number
}

const FONT = `font-family="DejaVu Sans, Helvetica, Arial, sans-serif"`

/** A rounded box with a bold title and lines under it, centred. */
const box = (at: Box, fill: string, title: string, lines: ReadonlyArray<string> = [], dashed = false) => {
  const cx = at.x + at.width / 2
  const top = at.y + at.height / 2 - (lines.length * 16) / 2 + 5
  return [
    `<rect x="${at.x}" y="${at.y}" width="${at.width}" height="${at.height}" rx="8" fill="${fill}" stroke="#445"${dashed ? ` stroke-dasharray="5 4"` : ""}/>`,
    `<text x="${cx}" y="${top}" text-anchor="middle" font-weight="bold" font-size="14" ${FONT}>${escape(title)}</text>`,
    ...lines.map((line, i) => `<text x="${cx}" y="${top + 17 + i * 16}" text-anchor="middle" font-size="12" ${FONT}>${escape(line)}</text>`)
  ]
}

/** An arrow from (x1, y1) to (x2, y2), with a label beside its middle. */
const arrow = (x1: number, y1: number, x2: number, y2: number, label = "", dashed = false) => [
  `<line x1="${x1}" y1="${y1}" x2="${x2}" y2="${y2}" stroke="#445" stroke-width="1.5" marker-end="url(#head)"${dashed ? ` stroke-dasharray="5 4"` : ""}/>`,
  ...(label === "" ? [] : [`<text x="${(x1 + x2) / 2 + 8}" y="${(y1 + y2) / 2 + 4}" font-size="12" fill="#334" ${FONT}>${escape(label)}</text>`])
]

const WIDTH = 820
const HEIGHT = 500

export const scalingDiagram = (): string => {
  const clients: Box = { x: 150, y: 20, width: 420, height: 62 }
  const lb: Box = { x: 150, y: 130, width: 420, height: 78 }
  const dns: Box = { x: 610, y: 138, width: 190, height: 62 }
  const replicas: ReadonlyArray<Box> = [0, 1, 2].map((i) => ({ x: 40 + i * 220, y: 268, width: 200, height: 78 }))
  const db: Box = { x: 150, y: 404, width: 420, height: 78 }
  const lbBottom = lb.y + lb.height
  const middle = (b: Box) => b.x + b.width / 2
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}">`,
    `<title>scoreline under compose: clients, the load balancer, a user's replicas, the database</title>`,
    `<defs><marker id="head" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path d="M0 0L10 5L0 10z" fill="#445"/></marker></defs>`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#fff"/>`,
    ...box(clients, "#eef4ff", "clients", ["client-<user>, the dashboard's probes, the host (seed 000-002's clients)"]),
    ...arrow(middle(clients), clients.y + clients.height, middle(lb), lb.y, "the user's own port: TCP 5001, UDP 5002, …"),
    ...box(lb, "#fff4e0", "lb (nginx, stream module)", [
      "one listener per user, TCP or UDP; the only published ports",
      "each connection or datagram to one replica, picked at random;",
      `one that refuses, or does not accept in ${BOUNDS.connectTimeout} s, is skipped for the next`
    ]),
    ...box(dns, "#f4f4f4", "Docker's DNS", ["server-<user> → one address", "per running replica"], true),
    ...arrow(dns.x, dns.y + dns.height / 2, lb.x + lb.width, dns.y + dns.height / 2, "", true),
    `<text x="${dns.x + 4}" y="${dns.y - 8}" font-size="12" fill="#334" ${FONT}>${escape(`asked every ${BOUNDS.resolveValid} s`)}</text>`,
    ...replicas.flatMap((replica, i) => [
      ...arrow(middle(lb), lbBottom, middle(replica), replica.y),
      ...box(replica, "#eaf7ea", `server-<user> replica ${i + 1}`, ["its own address, the user's port", "answers from its memory"])
    ]),
    `<text x="${WIDTH - 20}" y="${replicas[0]!.y - 30}" text-anchor="end" font-size="12" fill="#334" ${FONT}>docker compose up --scale server-&lt;user&gt;=3</text>`,
    ...replicas.flatMap((replica) => arrow(middle(replica), replica.y + replica.height, middle(db), db.y)),
    ...box(db, "#f3ecfa", "db (MySQL)", [
      "scores: one row per user; point_ticks: one claim per interval,",
      "whichever replica makes it first: one increment per interval, any N"
    ]),
    "</svg>",
    ""
  ].join("\n")
}
