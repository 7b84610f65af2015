import { dnsLabelOf } from "../../src/schema/DnsLabel.js"
import type { Roster, RosterEntry } from "../../src/schema/Roster.js"

/**
 * Kubernetes names are DNS labels (lowercase letters, digits and `-`, a letter first, at most 63), while a
 * roster's user names are anything `scores.user` holds (`Afif`, `c_user-azmeer`). The manifests name each
 * user's objects by a slug of the name; the real name travels in SERVER_USER and in an annotation.
 */
export const slugOf = dnsLabelOf

export class NameClash extends Error {
  constructor(readonly detail: string) {
    super(`roster: ${detail}`)
  }
}

/** The slug of every server's user, failing when two users would share one set of objects. */
export const slugsOf = (roster: Roster): ReadonlyMap<RosterEntry, string> => {
  const byEntry = new Map<RosterEntry, string>()
  const owner = new Map<string, string>()
  for (const entry of roster.servers) {
    const slug = slugOf(entry.user)
    if (slug === "") throw new NameClash(`user ${JSON.stringify(entry.user)} has no letter or digit to name its Kubernetes objects by`)
    const other = owner.get(slug)
    if (other !== undefined) {
      throw new NameClash(`users ${JSON.stringify(other)} and ${JSON.stringify(entry.user)} both become "${slug}" in Kubernetes names`)
    }
    owner.set(slug, entry.user)
    byEntry.set(entry, slug)
  }
  return byEntry
}

/** The objects of one user's server and client; `points-` also makes the name start with a letter. */
export const serverName = (slug: string) => `points-${slug}`
export const clientName = (slug: string) => `client-${slug}`

export const NAMESPACE = "scoreline"
export const SETTINGS = "scoreline-settings"
export const SECRETS = "scoreline-secrets"
export const DASHBOARD = "scoreline-dashboard"
export const MIGRATE = "scoreline-migrate"
export const MYSQL = "scoreline-mysql"

/** What each kind of pod is, as the `app.kubernetes.io/component` label says. */
export type Component = "points-server" | "points-client" | "dashboard" | "migrate" | "database"

export const USER_LABEL = "scoreline/user"
/** A roster entry's group (seed 001's `python` and `c`): `kubectl scale deployment -l scoreline/group=c`. */
export const GROUP_LABEL = "scoreline/group"

/** The labels a selector matches on: stable for an object's life (a Deployment's selector is immutable). */
export const selectorLabels = (component: Component, slug?: string): Record<string, string> => ({
  "app.kubernetes.io/name": "scoreline",
  "app.kubernetes.io/component": component,
  ...(slug === undefined ? {} : { [USER_LABEL]: slug })
})

/**
 * Every object's labels: the selector's plus `part-of`, and a user's group where the roster names one (not in
 * the selector: a Deployment's selector cannot change, a roster's groups can). No `version` label: a kustomize
 * `images:` override changes the tag without touching labels, and a label that can lie is worse than none.
 */
export const labels = (component: Component, slug?: string, group?: string): Record<string, string> => ({
  ...selectorLabels(component, slug),
  ...(group === undefined ? {} : { [GROUP_LABEL]: group }),
  "app.kubernetes.io/part-of": "scoreline"
})
