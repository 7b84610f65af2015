#!/usr/bin/env bash
# First run under Docker Compose: writes .env from .env.example (if there is none), a random password for
# each database account, the dashboard's admin token and Grafana's admin password into secrets/ (kept out of git by .gitignore). Existing files are kept, because the
# database takes its passwords only on its first start: to change them, `docker compose down -v` first.
# Usage: scripts/make-secrets.sh [directory]   (default: the repository root)
set -euo pipefail
root=${1:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$root"

if [ ! -f .env ]; then
  cp .env.example .env
  echo "wrote .env (from .env.example)"
fi

# The directory is private to its owner; the files themselves must stay readable by the containers' users
# (node, mysql), because Compose mounts secret files with their own owner and mode.
mkdir -p secrets
chmod 700 secrets
for name in db_root_password db_password db_migrate_password admin_token grafana_admin_password; do
  file="secrets/$name"
  if [ -s "$file" ]; then
    echo "kept $file"
  else
    # 32 letters and digits (from 1 KiB of randomness): no character a shell, SQL or URL would need quoted.
    password=$(head -c 1024 /dev/urandom | LC_ALL=C tr -dc 'A-Za-z0-9' | cut -c1-32)
    (umask 022 && printf '%s\n' "$password" > "$file")
    echo "wrote $file"
  fi
done
