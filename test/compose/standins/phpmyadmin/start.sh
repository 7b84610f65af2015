#!/bin/sh
# The cookie secret is made once per container start, so logins survive between requests.
set -eu
head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n' > /tmp/pma_blowfish_secret
exec php -S "0.0.0.0:${APACHE_PORT:-80}" -t /usr/share/phpmyadmin
