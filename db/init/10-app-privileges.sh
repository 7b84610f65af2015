# Sourced by the MySQL image's entrypoint on the first start, after it has created MYSQL_DATABASE and
# MYSQL_USER (with every privilege on that database). The app's user is narrowed to reading and writing rows:
# it cannot create, alter or drop a table, nor grant anything. The migrate job gets a user of its own that may
# also create and alter tables (the migrations), and still not drop them or grant.
# Uses the entrypoint's docker_process_sql (root, over the init server's socket).

: "${MYSQL_DATABASE:?}" "${MYSQL_USER:?}" "${DB_MIGRATE_USER:?}" "${DB_MIGRATE_PASSWORD_FILE:?}"

# A value inside a single-quoted SQL string.
app_sql_quote() { printf "'%s'" "$(printf '%s' "$1" | sed -e 's/\\/\\\\/g' -e "s/'/\\\\'/g")"; }

app_database="\`$MYSQL_DATABASE\`"
app_user="$(app_sql_quote "$MYSQL_USER")@'%'"
migrate_user="$(app_sql_quote "$DB_MIGRATE_USER")@'%'"
migrate_password="$(app_sql_quote "$(cat "$DB_MIGRATE_PASSWORD_FILE")")"

docker_process_sql --database=mysql <<SQL
REVOKE ALL PRIVILEGES ON $app_database.* FROM $app_user;
GRANT SELECT, INSERT, UPDATE, DELETE ON $app_database.* TO $app_user;
CREATE USER IF NOT EXISTS $migrate_user IDENTIFIED BY $migrate_password;
GRANT SELECT, INSERT, UPDATE, DELETE, CREATE, ALTER, INDEX, REFERENCES ON $app_database.* TO $migrate_user;
FLUSH PRIVILEGES;
SQL
unset app_database app_user migrate_user migrate_password
