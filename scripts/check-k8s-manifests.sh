#!/usr/bin/env bash
# Validates docs/scaling/job.yaml and merge-job.yaml against the Kubernetes API's schemas with
# kubernetes-validate (PyPI; it bundles the schemas, so nothing else is fetched), strictly
# (an unknown field is an error), for Kubernetes 1.29 (the first release where the Indexed
# Job's backoffLimitPerIndex is on by default) and the newest the validator knows.
# What this does not prove: that a cluster runs them (no cluster here): the image, the volume
# claim and the scheduling are not tested.
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION=${KUBERNETES_VALIDATE:-1.37.0}
# The validator's virtual environment is kept between runs (a minute to install on a busy
# machine, none after): in ~/.cache/payfault/, one per version.
VENV=${XDG_CACHE_HOME:-${HOME:-/root}/.cache}/payfault/kubernetes-validate-$VERSION
TMP=$(mktemp -d /tmp/payfault-k8s.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
if ! "$VENV/bin/kubernetes-validate" --version >/dev/null 2>&1; then
    rm -rf "$VENV"
    mkdir -p "$(dirname "$VENV")"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check "kubernetes-validate==$VERSION"
fi
for k in 1.29.0 "$VERSION"; do
    "$VENV/bin/kubernetes-validate" --strict -k "$k" docs/scaling/job.yaml docs/scaling/merge-job.yaml
done
# And it refuses a misspelt field (so a pass means something).
sed 's/backoffLimitPerIndex:/backoffLimitPerIndx:/' docs/scaling/job.yaml >"$TMP/typo.yaml"
if "$VENV/bin/kubernetes-validate" --strict --quiet "$TMP/typo.yaml" >/dev/null 2>&1; then
    echo "kubernetes-validate accepted a misspelt field" >&2
    exit 1
fi
echo "the Kubernetes manifests are valid Jobs (kubernetes-validate $VERSION, --strict)"
