# Shared by .ci/run and .ci/floors: a PostgreSQL server to test on, and a database of the
# run's own on it (a unique name, dropped when the run ends however it ends).
# Server: PGHOST/PGPORT/PGUSER (default 127.0.0.1:5432, postgres).

export PGHOST="${PGHOST:-127.0.0.1}" PGPORT="${PGPORT:-5432}" PGUSER="${PGUSER:-postgres}"

ensure_postgres() {
  if ! pg_isready -h "$PGHOST" -p "$PGPORT" -t 5 >/dev/null 2>&1; then
    echo "PostgreSQL not answering on $PGHOST:$PGPORT; trying to start it" >&2
    if command -v pg_ctlcluster >/dev/null 2>&1; then
      pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
    fi
    pg_isready -h "$PGHOST" -p "$PGPORT" -t 30 >/dev/null \
      || { echo "PostgreSQL is required for CI" >&2; exit 1; }
  fi
}

# create_test_database PREFIX: creates PREFIX_<pid>_<time>, exports STAFFROOM_TEST_DATABASE_URL
# and drops the database on exit.
create_test_database() {
  TEST_DB="${1}_$$_$(date +%s)"
  createdb "$TEST_DB"
  trap 'dropdb --if-exists --force "$TEST_DB" || echo "could not drop $TEST_DB" >&2' EXIT
  export STAFFROOM_TEST_DATABASE_URL="postgresql://$PGUSER@$PGHOST:$PGPORT/$TEST_DB"
  export STAFFROOM_REQUIRE_POSTGRES=1
  echo "Test database: $TEST_DB (dropped at the end)"
}
