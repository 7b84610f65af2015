#!/bin/sh
# The cookie secret is made once per container start, so logins survive between requests. PHP's server as
# PID 1 would ignore SIGTERM: it runs as a child, and a stop ends it and exits 0, as the real image's Apache does.
set -eu
head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n' > /tmp/pma_blowfish_secret
php -S "0.0.0.0:${APACHE_PORT:-80}" -t /usr/share/phpmyadmin &
server=$!
trap 'kill "$server"; wait "$server" || true; exit 0' TERM INT
wait "$server"
