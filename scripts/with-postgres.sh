#!/usr/bin/env bash
# Runs a command against a throwaway PostgreSQL cluster, then stops and removes the cluster.
#
#   scripts/with-postgres.sh cargo test -p phone-client --features postgres --test postgres -- --include-ignored
#
# - installs Debian's `postgresql` and `openssl` packages when they are missing (as root);
# - initdb into a fresh temporary directory owned by the `postgres` user, a server on a free
#   port of 127.0.0.1 (and a Unix socket in that directory), one database `alipay_phone`;
# - the server also accepts TLS (ssl=on), with a certificate for 127.0.0.1 and localhost from
#   a CA made for this run (openssl command line, one day, removed with the cluster);
# - exports to the command:
#     DATABASE_URL   postgres://postgres@127.0.0.1:PORT/alipay_phone?sslmode=disable (trust
#                    auth, local only; without TLS, as before the server offered it)
#     PHONE_TEST_PG_CA   the PEM file of that CA, for clients that verify the server
#     PGHOST PGPORT PGUSER PGDATABASE   for psql
#     PHONE_PG_CTL   an executable that runs pg_ctl on this cluster as the postgres user:
#                    `$PHONE_PG_CTL stop -m fast -w` and `$PHONE_PG_CTL start -w` let a test
#                    stop the database mid-run and start it again on the same port
#     PHONE_PG_DATA  the data directory
# - on exit (success, failure or a signal) stops the server and removes the directory; the
#   command's exit status is the script's.
set -euo pipefail

if [ "$#" -eq 0 ]; then
    echo "usage: $0 CMD [ARGS...]" >&2
    exit 2
fi

# A signal exits through the EXIT trap (cleanup), whichever is set at the time.
trap 'exit 130' INT
trap 'exit 143' TERM

find_bin() {
    local d
    d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
    if [ -n "$d" ] && [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then
        echo "$d"
    fi
}

# Updates the package lists once, then installs quietly without recommends.
apt_updated=""
apt_install() {
    if [ -z "$apt_updated" ]; then
        apt-get update -qq
        apt_updated=1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

if ! command -v openssl >/dev/null 2>&1; then
    echo "with-postgres: installing Debian's openssl package" >&2
    apt_install openssl || {
        echo "with-postgres: apt-get install openssl failed" >&2
        exit 1
    }
fi

PG_BIN=$(find_bin)
if [ -z "$PG_BIN" ]; then
    echo "with-postgres: installing Debian's postgresql package" >&2
    export DEBIAN_FRONTEND=noninteractive
    # The package creates a cluster of its own, which is not used: a policy-rc.d that denies
    # every service start (exit 101) keeps it from starting during the install. Created only
    # when there is none, and removed again however the install ends.
    POLICY=/usr/sbin/policy-rc.d
    policy_created=""
    if [ ! -e "$POLICY" ]; then
        printf '#!/bin/sh\n# with-postgres.sh: no service starts during its apt-get install\nexit 101\n' >"$POLICY"
        chmod 755 "$POLICY"
        policy_created=1
        trap 'rm -f "$POLICY"' EXIT
    fi
    install_status=0
    apt_install postgresql || install_status=$?
    if [ -n "$policy_created" ]; then
        rm -f "$POLICY"
        trap - EXIT
    fi
    if [ "$install_status" -ne 0 ]; then
        echo "with-postgres: apt-get install postgresql failed ($install_status)" >&2
        exit "$install_status"
    fi
    PG_BIN=$(find_bin)
    if [ -z "$PG_BIN" ]; then
        echo "with-postgres: no initdb/pg_ctl under /usr/lib/postgresql after installing" >&2
        exit 1
    fi
fi

# The server refuses to run as root: everything server-side runs as `postgres`.
as_postgres() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

free_port() {
    python3 - <<'EOF' 2>/dev/null || echo $((20000 + RANDOM % 20000))
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()
EOF
}

DIR=$(mktemp -d /tmp/with-postgres.XXXXXX)
chmod 700 "$DIR"
if [ "$(id -u)" -eq 0 ]; then
    chown postgres:postgres "$DIR"
fi
DATA="$DIR/data"
PORT=$(free_port)

cleanup() {
    local status=$?
    as_postgres "$PG_BIN/pg_ctl" -D "$DATA" stop -m immediate >/dev/null 2>&1 || true
    rm -rf "$DIR"
    exit "$status"
}
trap cleanup EXIT

as_postgres "$PG_BIN/initdb" -D "$DATA" -U postgres -A trust -E UTF8 --no-locale >"$DIR/initdb.log" 2>&1 || {
    cat "$DIR/initdb.log" >&2
    exit 1
}

# A CA of this run and the server's certificate, for 127.0.0.1 and localhost (what clients
# verify). The CA's key is not needed after signing: removed at once.
TLS="$DIR/tls"
mkdir "$TLS"
{
    openssl req -x509 -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:P-256 -days 1 \
        -subj "/CN=with-postgres.sh throwaway CA" \
        -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
        -keyout "$TLS/ca.key" -out "$TLS/ca.pem"
    openssl req -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:P-256 -subj "/CN=localhost" \
        -keyout "$TLS/server.key" -out "$TLS/server.csr"
    printf '%s\n' "basicConstraints=CA:FALSE" "keyUsage=critical,digitalSignature" \
        "extendedKeyUsage=serverAuth" "subjectAltName=IP:127.0.0.1,DNS:localhost" >"$TLS/server.ext"
    openssl x509 -req -in "$TLS/server.csr" -CA "$TLS/ca.pem" -CAkey "$TLS/ca.key" -set_serial "0x$(openssl rand -hex 16)" \
        -days 1 -extfile "$TLS/server.ext" -out "$TLS/server.pem"
} >"$DIR/openssl.log" 2>&1 || {
    cat "$DIR/openssl.log" >&2
    exit 1
}
rm -f "$TLS/ca.key" "$TLS/server.csr" "$TLS/server.ext"
chmod 600 "$TLS/server.key"
chmod 644 "$TLS/ca.pem" "$TLS/server.pem"
if [ "$(id -u)" -eq 0 ]; then
    # The server reads its key as `postgres`, and refuses a key others may read.
    chown -R postgres:postgres "$TLS"
fi
export PHONE_TEST_PG_CA="$TLS/ca.pem"

# The options every start uses, so that a restart by a test comes back on the same port.
PG_OPTS="-k $DIR -p $PORT -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off"
PG_OPTS="$PG_OPTS -c ssl=on -c ssl_cert_file=$TLS/server.pem -c ssl_key_file=$TLS/server.key"
export PHONE_PG_DATA="$DATA"
# A one-file command for tests: `$PHONE_PG_CTL stop -m fast -w`, `$PHONE_PG_CTL start -w`.
RUNAS=""
if [ "$(id -u)" -eq 0 ]; then RUNAS="runuser -u postgres --"; fi
cat >"$DIR/pg_ctl" <<EOF
#!/bin/sh
exec $RUNAS "$PG_BIN/pg_ctl" -D "$DATA" -l "$DIR/server.log" -o "$PG_OPTS" "\$@"
EOF
chmod 755 "$DIR/pg_ctl"
export PHONE_PG_CTL="$DIR/pg_ctl"

"$PHONE_PG_CTL" -w -t 30 start >/dev/null || {
    cat "$DIR/server.log" >&2
    exit 1
}

export PGHOST=127.0.0.1 PGPORT="$PORT" PGUSER=postgres PGDATABASE=alipay_phone
as_postgres "$PG_BIN/createdb" -h 127.0.0.1 -p "$PORT" -U postgres alipay_phone
# sslmode=disable: clients that verify the server would refuse this CA they do not know.
export DATABASE_URL="postgres://postgres@127.0.0.1:$PORT/alipay_phone?sslmode=disable"
echo "with-postgres: PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PORT ($DATA), TLS CA $PHONE_TEST_PG_CA" >&2

set +e
"$@"
status=$?
set -e
exit "$status"
