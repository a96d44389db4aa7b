#!/usr/bin/env bash
# docs/scaling/parallel.sh over a real ssh: an sshd of its own on 127.0.0.1 (a free high port,
# a host key and a client key made for the test, public-key login only) is the "remote"
# machine; GNU parallel runs the shards there through ssh (--sshlogin), brings each shard's
# folder back with rsync over the same ssh (--return) into another folder, and merges; the
# merged folder must be byte for byte the folder of the whole batch run by one `payfault run`.
#
#   bash scripts/test-ssh-parallel.sh          # after cargo build --profile ci (CI's binary)
#   PAYFAULT=target/release/payfault bash scripts/test-ssh-parallel.sh
#
# Needs root (it installs openssh-server, openssh-client, parallel and rsync with apt-get when
# they are missing; sshd needs root to log a user in). Everything lives in a temporary folder
# but the shards' copies on the "remote" side, which are in a folder of their own under the
# login user's home and removed at the end; sshd is stopped by its PID on exit, also on
# failure or interruption. Settings: PAYFAULT, SCENARIO (default scenarios/outage.toml),
# RUNS (6), SEED (3), M (3 shards), JOBS (2 shards at a time on the "remote" machine).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PAYFAULT=$(realpath "${PAYFAULT:-target/ci/payfault}")
SCENARIO=$(realpath "${SCENARIO:-scenarios/outage.toml}")
RUNS=${RUNS:-6}
SEED=${SEED:-3}
M=${M:-3}
JOBS=${JOBS:-2}
NAME=test-ssh-parallel
# shellcheck source=scripts/lib-steps.sh
source scripts/lib-steps.sh

[ -x "$PAYFAULT" ] || fail "no payfault binary at $PAYFAULT (cargo build --profile ci, or set PAYFAULT)"
[ "$(id -u)" = 0 ] || fail "run as root (it installs packages and starts sshd)"

if [ ! -x /usr/sbin/sshd ] || ! command -v ssh >/dev/null || ! command -v parallel >/dev/null ||
    ! command -v rsync >/dev/null; then
    say "installing openssh-server, openssh-client, parallel and rsync (apt-get)"
    export DEBIAN_FRONTEND=noninteractive
    out=$({
        apt-get update -qq && apt-get install -y -qq --no-install-recommends openssh-server openssh-client parallel rsync
    } 2>&1) ||
        fail "apt-get could not install the packages: $out"
fi
say "$(ssh -V 2>&1), $(parallel --version | head -1), $(rsync --version | head -1 | cut -c1-30)"

LOGIN_HOME=$(getent passwd "$(id -un)" | cut -d: -f6) # where ssh logs in (whatever HOME says)
[ -d "$LOGIN_HOME" ] || fail "no home folder for $(id -un)"
WORK=$(mktemp -d /tmp/payfault-ssh.XXXXXX)
REMOTE_DIR=$(basename "$WORK") # under the login home on the "remote" side
SSHD_PID=
stop() {
    local rc=$?
    set +e
    if [ "$rc" != 0 ] && [ -f "$WORK/sshd.log" ]; then
        echo "--- last lines of $WORK/sshd.log" >&2
        tail -n 20 "$WORK/sshd.log" >&2
    fi
    if [ -n "$SSHD_PID" ] && kill -0 "$SSHD_PID" 2>/dev/null; then
        kill -TERM "$SSHD_PID"
        for _ in $(seq 1 40); do
            kill -0 "$SSHD_PID" 2>/dev/null || break
            sleep 0.25
        done
        kill -0 "$SSHD_PID" 2>/dev/null && kill -KILL "$SSHD_PID"
        wait "$SSHD_PID" 2>/dev/null
        echo "stopped sshd (pid $SSHD_PID)"
    fi
    # The "remote" copies: the same machine, so removed here.
    [ -n "$REMOTE_DIR" ] && rm -rf "${LOGIN_HOME:?}/$REMOTE_DIR"
    if [ "${KEEP:-0}" = 1 ]; then echo "kept $WORK"; else rm -rf "$WORK"; fi
    exit "$rc"
}
trap stop EXIT
trap 'exit 130' INT TERM HUP

free_port() {
    local p
    for _ in $(seq 1 200); do
        p=$((20000 + RANDOM % 40000))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
            echo "$p"
            return
        fi
    done
    fail "no free port found"
}
PORT=$(free_port)

# Keys and sshd's configuration, all in the folder.
ssh-keygen -q -t ed25519 -N '' -C payfault-test-host -f "$WORK/host_key"
ssh-keygen -q -t ed25519 -N '' -C payfault-test-client -f "$WORK/client_key"
cp "$WORK/client_key.pub" "$WORK/authorized_keys"
chmod 600 "$WORK/authorized_keys"
cat >"$WORK/sshd_config" <<EOF
# Written by scripts/test-ssh-parallel.sh: 127.0.0.1 only, the test's key only.
ListenAddress 127.0.0.1
Port $PORT
HostKey $WORK/host_key
PidFile $WORK/sshd.pid
AuthorizedKeysFile $WORK/authorized_keys
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
AllowUsers $(id -un)
UsePAM no
StrictModes no
MaxStartups 50:30:100
MaxSessions 50
EOF
mkdir -p /run/sshd # sshd's privilege separation folder (made by its service, which is not run)
chmod 755 /run/sshd
/usr/sbin/sshd -t -f "$WORK/sshd_config" || fail "sshd refuses its configuration"
/usr/sbin/sshd -D -e -f "$WORK/sshd_config" 2>>"$WORK/sshd.log" &
SSHD_PID=$!
echo "127.0.0.1 $(cut -d' ' -f1-2 "$WORK/host_key.pub")" >"$WORK/known_hosts"
echo "[127.0.0.1]:$PORT $(cut -d' ' -f1-2 "$WORK/host_key.pub")" >>"$WORK/known_hosts"
SSH="ssh -F none -p $PORT -i $WORK/client_key -o IdentitiesOnly=yes -o BatchMode=yes \
-o StrictHostKeyChecking=yes -o UserKnownHostsFile=$WORK/known_hosts"
LOGIN=$(id -un)@127.0.0.1
ok=
for _ in $(seq 1 50); do
    if $SSH "$LOGIN" true 2>/dev/null; then
        ok=1
        break
    fi
    kill -0 "$SSHD_PID" 2>/dev/null || fail "sshd stopped"
    sleep 0.2
done
[ -n "$ok" ] || fail "no ssh login to $LOGIN:$PORT"
# shellcheck disable=SC2016 # expanded on the ssh side
say "sshd (pid $SSHD_PID) on 127.0.0.1:$PORT: key login works ($($SSH "$LOGIN" 'echo $SSH_CONNECTION'))"

"$PAYFAULT" run "$SCENARIO" --runs "$RUNS" --seed "$SEED" --quiet --out "$WORK/whole"
say "whole batch: payfault run $(basename "$SCENARIO") --runs $RUNS --seed $SEED"

# The recipe, from a folder that is not the login home: --return must copy the shards back.
mkdir "$WORK/here"
if ! (
    cd "$WORK/here"
    HOSTS="$JOBS/$LOGIN" M=$M RUNS=$RUNS SEED=$SEED SCENARIO=$SCENARIO PAYFAULT=$PAYFAULT \
        THREADS=1 SSH=$SSH OUT="$REMOTE_DIR/results" bash "$ROOT/docs/scaling/parallel.sh"
) >"$WORK/parallel.log" 2>&1; then
    cat "$WORK/parallel.log" >&2
    fail "docs/scaling/parallel.sh failed"
fi
sed 's/^/  parallel.sh: /' "$WORK/parallel.log"
MERGED=$WORK/here/$REMOTE_DIR/results/merged
[ -d "$MERGED" ] || fail "no merged folder $MERGED"
for k in $(seq 1 "$M"); do
    [ -f "$LOGIN_HOME/$REMOTE_DIR/results/shard-$k-of-$M/partial.json" ] ||
        fail "shard $k did not run on the ssh side ($LOGIN_HOME/$REMOTE_DIR)"
    cmp -s "$LOGIN_HOME/$REMOTE_DIR/results/shard-$k-of-$M/partial.json" \
        "$WORK/here/$REMOTE_DIR/results/shard-$k-of-$M/partial.json" ||
        fail "shard $k was not brought back"
done
say "$M shards ran through ssh ($JOBS at a time) and came back with rsync (--return)"
diff -r -q "$WORK/whole" "$MERGED" >&2 || fail "the merged folder differs from the whole batch"
say "merged: every file byte for byte the whole batch's ($(find "$MERGED" -type f | wc -l) files)"
say "test-ssh-parallel: OK"
