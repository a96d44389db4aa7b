#!/usr/bin/env bash
# Writes the screenshots of the docs (docs/figures/*.png) with headless Chromium
# (`bash scripts/install-browser.sh` installs Debian's): the top of the Chinese report.html of
# scenarios/outage.toml (docs/figures/report-zh.png) and the network diagram of
# scenarios/third_party.toml (docs/figures/topology-zh.png). Needs python3. PNGs are squeezed with oxipng or
# pngquant when one is installed (both optional: `apt-get install pngquant`, `cargo install
# oxipng`).
#
#   bash scripts/screenshots.sh                         # builds payfault --release first
#   PAYFAULT=target/release/payfault bash scripts/screenshots.sh
set -euo pipefail
cd "$(dirname "$0")/.."
out=docs/figures
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

browser=""
for b in chromium chromium-browser google-chrome; do
    if command -v "$b" >/dev/null 2>&1; then browser=$b; break; fi
done
if [ -z "$browser" ]; then
    echo "screenshots: no Chromium: run \`bash scripts/install-browser.sh\`" >&2
    exit 1
fi
payfault() {
    if [ -n "${PAYFAULT:-}" ]; then "$PAYFAULT" "$@"; else cargo run --release --quiet -- "$@"; fi
}

# shoot PAGE PNG WIDTH HEIGHT: the top WIDTH x HEIGHT pixels of PAGE (a file), squeezed.
shoot() {
    local page=$1 png=$2 w=$3 h=$4
    "$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --hide-scrollbars --user-data-dir="$tmp/profile-$(basename "$png")" \
        --window-size="$w,$h" --screenshot="$tmp/shot.png" "file://$(realpath "$page")" \
        >/dev/null 2>&1
    if command -v pngquant >/dev/null 2>&1; then
        pngquant --force --quality=80-95 --strip --output "$tmp/shot-q.png" "$tmp/shot.png" \
            && mv "$tmp/shot-q.png" "$tmp/shot.png"
    fi
    if command -v oxipng >/dev/null 2>&1; then
        oxipng --quiet -o 4 --strip safe "$tmp/shot.png"
    fi
    mkdir -p "$(dirname "$png")"
    mv "$tmp/shot.png" "$png"
    echo "$png: $(stat -c %s "$png") bytes"
}

# The Chinese report of the outage scenario: its title, key figures and the top of the page.
payfault run scenarios/outage.toml --lang zh -n 20 -q --out "$tmp/outage-zh"
shoot "$tmp/outage-zh/report.html" "$out/report-zh.png" 1200 900

# The network diagram of a scenario with three faults, as the Chinese report shows it: the
# report's own head (its style and embedded font) and its network section, on a page alone.
payfault run scenarios/third_party.toml --lang zh -n 2 -q --out "$tmp/third-zh"
python3 - "$tmp/third-zh/report.html" "$tmp/topology.html" <<'PY'
import re, sys
page = open(sys.argv[1], encoding="utf-8").read()
head = page[: page.index("</head>")]
start = page.index('<h2 id="topology">')
end = page.index("</figure>", start) + len("</figure>")
open(sys.argv[2], "w", encoding="utf-8").write(head + "</head>\n<body>\n" + page[start:end] + "\n</body></html>\n")
PY
shoot "$tmp/topology.html" "$out/topology-zh.png" 1200 620
