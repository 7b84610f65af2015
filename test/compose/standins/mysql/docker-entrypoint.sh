#!/bin/bash
# The official mysql image's entrypoint contract, for Debian's MariaDB (a stand-in: no registry is reachable).
# On the first start (an empty /var/lib/mysql) it creates the data directory, sets the root password
# (MYSQL_ROOT_PASSWORD[_FILE]), creates MYSQL_DATABASE and MYSQL_USER/MYSQL_PASSWORD[_FILE] with all
# privileges on that database, loads the time zone tables, and runs /docker-entrypoint-initdb.d/*.sh|.sql|.sql.gz
# against a server that listens on a socket only. Later starts ignore every MYSQL_* variable, as the real image does.
set -euo pipefail

log() { echo "$(date -u '+%Y-%m-%dT%H:%M:%SZ') [Entrypoint] $*" >&2; }

# VAR, or the contents of the file VAR_FILE names (a Docker secret); not both.
file_env() {
  local var=$1 file_var="${1}_FILE" default=${2:-}
  if [ -n "${!var:-}" ] && [ -n "${!file_var:-}" ]; then
    log "error: both $var and $file_var are set (but are exclusive)"; exit 1
  fi
  local value=$default
  if [ -n "${!var:-}" ]; then value=${!var}; elif [ -n "${!file_var:-}" ]; then value=$(< "${!file_var}"); fi
  export "$var"="$value"
  unset "$file_var"
}

# A value inside a single-quoted SQL string.
sql_escape() { printf '%s' "$1" | sed -e "s/\\\\/\\\\\\\\/g" -e "s/'/\\\\'/g"; }

SOCKET=/run/mysqld/init.sock

# SQL on stdin, as root over the init socket, in MYSQL_DATABASE when there is one (the official helper's name
# and behaviour, for init scripts that are sourced).
docker_process_sql() {
  local password=()
  if [ "${1:-}" = --dont-use-mysql-root-password ]; then shift; else password=("--password=$MYSQL_ROOT_PASSWORD"); fi
  local database=()
  [ -n "${MYSQL_DATABASE:-}" ] && database=("--database=$MYSQL_DATABASE")
  # Later arguments win: a caller's --database overrides MYSQL_DATABASE, as in the official helper.
  mariadb --protocol=socket --socket="$SOCKET" -uroot "${password[@]}" --comments "${database[@]}" "$@"
}

initialise() {
  local datadir=/var/lib/mysql
  file_env MYSQL_ROOT_PASSWORD
  file_env MYSQL_DATABASE
  file_env MYSQL_USER
  file_env MYSQL_PASSWORD
  if [ -z "$MYSQL_ROOT_PASSWORD" ]; then
    log "error: database is uninitialized and MYSQL_ROOT_PASSWORD is not set (set it or MYSQL_ROOT_PASSWORD_FILE)"; exit 1
  fi
  log "initialising the database in $datadir"
  mariadb-install-db --user=mysql --datadir="$datadir" --skip-test-db --auth-root-authentication-method=normal > /dev/null
  "$@" --user=mysql --skip-networking --socket="$SOCKET" &
  local pid=$!
  for _ in $(seq 1 60); do
    mariadb-admin --socket="$SOCKET" -uroot ping > /dev/null 2>&1 && break
    sleep 0.5
  done
  local root_password; root_password=$(sql_escape "$MYSQL_ROOT_PASSWORD")
  {
    echo "SET @@SESSION.SQL_LOG_BIN=0;"
    mariadb-tzinfo-to-sql /usr/share/zoneinfo 2> /dev/null
    echo "ALTER USER 'root'@'localhost' IDENTIFIED BY '$root_password';"
    echo "CREATE USER 'root'@'%' IDENTIFIED BY '$root_password';"
    echo "GRANT ALL ON *.* TO 'root'@'%' WITH GRANT OPTION;"
    echo "FLUSH PRIVILEGES;"
  } | MYSQL_DATABASE='' docker_process_sql --dont-use-mysql-root-password --database=mysql
  if [ -n "$MYSQL_DATABASE" ]; then
    log "creating database $MYSQL_DATABASE"
    echo "CREATE DATABASE IF NOT EXISTS \`$MYSQL_DATABASE\`;" | MYSQL_DATABASE='' docker_process_sql
  fi
  if [ -n "$MYSQL_USER" ] && [ -n "$MYSQL_PASSWORD" ]; then
    log "creating user $MYSQL_USER"
    echo "CREATE USER '$(sql_escape "$MYSQL_USER")'@'%' IDENTIFIED BY '$(sql_escape "$MYSQL_PASSWORD")';" | MYSQL_DATABASE='' docker_process_sql
    if [ -n "$MYSQL_DATABASE" ]; then
      echo "GRANT ALL ON \`$MYSQL_DATABASE\`.* TO '$(sql_escape "$MYSQL_USER")'@'%';" | MYSQL_DATABASE='' docker_process_sql
    fi
  fi
  local f
  for f in /docker-entrypoint-initdb.d/*; do
    case "$f" in
      *.sh) if [ -x "$f" ]; then log "running $f"; "$f"; else log "sourcing $f"; . "$f"; fi ;;
      *.sql) log "running $f"; docker_process_sql < "$f" ;;
      *.sql.gz) log "running $f"; gunzip -c "$f" | docker_process_sql ;;
      *) [ -e "$f" ] && log "ignoring $f" ;;
    esac
  done
  kill "$pid"
  wait "$pid"
  log "initialisation done; starting the server"
}

# Flags alone (`command: ["--port=3307"]`) are flags for the server, as in the official image.
if [ "${1:0:1}" = - ]; then set -- mysqld "$@"; fi
if [ "$1" = mysqld ] || [ "$1" = mariadbd ]; then
  shift
  set -- mariadbd "$@"
  if [ ! -d /var/lib/mysql/mysql ]; then initialise "$@"; fi
  exec "$@" --user=mysql
fi
exec "$@"
