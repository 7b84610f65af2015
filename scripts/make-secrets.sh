#!/usr/bin/env bash
# First run under Docker Compose: writes .env from .env.example (if there is none), a random password for
# each database account, the dashboard's admin token, Grafana's and RabbitMQ's passwords into secrets/ (kept out of git by .gitignore). Existing files are kept, because the
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
for name in db_root_password db_password db_migrate_password admin_token grafana_admin_password rabbitmq_password; do
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

# RabbitMQ (profile events) takes its user from a file in its own format, and the programs reach it by URL:
# both written from secrets/rabbitmq_password on every run, so the three always agree.
rabbitmq_password=$(cat secrets/rabbitmq_password)
(umask 022 && printf 'default_user = scoreline\ndefault_pass = %s\n' "$rabbitmq_password" > secrets/rabbitmq_credentials)
(umask 022 && printf 'amqp://scoreline:%s@rabbitmq:5672\n' "$rabbitmq_password" > secrets/broker_url)
echo "wrote secrets/rabbitmq_credentials and secrets/broker_url (from secrets/rabbitmq_password)"
