#!/bin/sh
# Creates or updates the app's PostgreSQL roles, each with only what its
# process needs, and makes the owner role own the database and its objects.
# Run as the superuser over the local socket: by the postgres image on a
# first start (mounted in /docker-entrypoint-initdb.d), and by hand after an
# upgrade from a single-role install or a password change (k8s/README.md):
#   kubectl -n vote exec statefulset/db -c postgres -- sh /etc/vote-db/scripts/roles.sh
# Idempotent. Reads:
#   POSTGRES_USER, POSTGRES_DB   the superuser and the database (the image's variables)
#   DB_PASSWORDS_DIR             one file per password: DB_OWNER_PASSWORD, DB_WEB_PASSWORD,
#                                DB_CONSUMER_PASSWORD, DB_EXPORTER_PASSWORD, DB_BACKUP_PASSWORD
#   DB_ROLES_FILE                DB_ROLE_PREFIX and each role's connection limit
#                                (DB_<ROLE>_CONNECTION_LIMIT): together they fit max_connections
set -eu

: "${POSTGRES_USER:?}" "${POSTGRES_DB:?}"
dir="${DB_PASSWORDS_DIR:-/etc/vote-db/passwords}"
. "${DB_ROLES_FILE:-/etc/vote-db/roles/roles.env}"
prefix="${DB_ROLE_PREFIX:-vote}"
here=$(dirname "$0")
# Re-runs repeat grants that already hold; their notices are noise.
export PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning"

password() {
  [ -s "$dir/$1" ] || { echo "{\"level\":\"error\",\"event\":\"roles.no_password\",\"file\":\"$dir/$1\"}" >&2; exit 2; }
  cat "$dir/$1"
}

sql() {
  psql -v ON_ERROR_STOP=1 --quiet --no-psqlrc --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
    -v db="$POSTGRES_DB" -v owner="${prefix}_owner" -v web="${prefix}_web" -v consumer="${prefix}_consumer" \
    -v exporter="${prefix}_exporter" -v backup="${prefix}_backup" "$@"
}

# One login role per process: no superuser, no role or database creation, no replication.
for role in owner web consumer exporter backup; do
  upper=$(echo "$role" | tr a-z A-Z)
  eval "limit=\${DB_${upper}_CONNECTION_LIMIT:?DB_${upper}_CONNECTION_LIMIT}"
  sql -v role="${prefix}_$role" -v password="$(password "DB_${upper}_PASSWORD")" -v limit="$limit" <<'SQL'
SELECT format('CREATE ROLE %I', :'role') WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'role') \gexec
ALTER ROLE :"role" WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS
  CONNECTION LIMIT :limit PASSWORD :'password';
SQL
done

sql <<'SQL'
-- postgres_exporter reads the statistics views; pg_dump reads every table.
GRANT pg_monitor TO :"exporter";
GRANT pg_read_all_data TO :"backup";
-- The owner runs the migrations: it owns the database, so the schema public
-- (owned by pg_database_owner) and what the migrations create in it.
ALTER DATABASE :"db" OWNER TO :"owner";
REVOKE ALL ON DATABASE :"db" FROM PUBLIC;
GRANT CONNECT ON DATABASE :"db" TO :"web", :"consumer", :"exporter", :"backup";
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
-- An install older than these roles made its tables as the superuser: hand them over.
SELECT format('ALTER %s %I.%I OWNER TO %I',
              CASE c.relkind WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW' ELSE 'TABLE' END,
              n.nspname, c.relname, :'owner')
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'S', 'v') AND c.relowner <> (SELECT oid FROM pg_roles WHERE rolname = :'owner')
\gexec
SELECT format('ALTER FUNCTION %s OWNER TO %I', p.oid::regprocedure, :'owner')
FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname = 'public' AND p.proowner <> (SELECT oid FROM pg_roles WHERE rolname = :'owner')
\gexec
SQL

# Where the schema already exists, the grants follow at once (otherwise the
# first migration's pod applies them: the consumers' `grant` init container).
if [ "$(sql --tuples-only --no-align -c "SELECT to_regclass('public.schema_migrations') IS NOT NULL")" = t ]; then
  { echo 'BEGIN; SET LOCAL ROLE :"owner";'; cat "$here/grants.sql"; echo 'COMMIT;'; } | sql
fi
echo "{\"level\":\"info\",\"event\":\"roles.done\",\"database\":\"$POSTGRES_DB\",\"prefix\":\"$prefix\"}"
