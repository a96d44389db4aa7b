# shellcheck shell=bash
# Shared by the real-engine tests (test-slurm.sh, test-ssh-parallel.sh): timed steps and
# failure. Source it after setting NAME (the script's name in its messages).
T0=$(date +%s%N)
LAST=$T0

# "[  12.3 s, step 1.2 s] what": the time since the start and since the previous line.
say() {
    local now
    now=$(date +%s%N)
    printf '[%6.1f s, step %5.1f s] %s\n' "$(((now - T0) / 1000000))e-3" \
        "$(((now - LAST) / 1000000))e-3" "$*"
    LAST=$now
}
fail() {
    echo "$NAME: FAILED: $*" >&2
    exit 1
}
