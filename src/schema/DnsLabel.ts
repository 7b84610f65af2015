/**
 * A user's name as a DNS label (lowercase letters, digits and `-`): what Kubernetes names objects by and what
 * a host name may hold, while `scores.user` may hold `Afif` or `c_user-azmeer`. The Kubernetes manifests name
 * each user's Service by it, and the dashboard's PROBE_HOST template finds that Service with `{slug}`.
 */
export const dnsLabelOf = (user: string): string =>
  user.toLowerCase().replace(/[^a-z0-9-]+/g, "-").replace(/-+/g, "-").replace(/^-|-$/g, "")
