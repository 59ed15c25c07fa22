#!/usr/bin/env bash
# Lighthouse and pa11y on one page of every type of the built Lille site (issue 19), as CI can run them.
#
#   scripts/audit.sh [SITE_DIR]        # default: _site (run `python build.py` first)
#   scripts/audit.sh SITE_DIR PATH...  # only these pages, e.g. _site /fr/recherche/ (no chooser run)
#
# Serves SITE_DIR on 127.0.0.1 under the production sub-path (/lillesite/, as GitHub Pages serves it, so the
# 404 page's host-root links and files resolve), then:
#   - Lighthouse 12.2.3, mobile and desktop: accessibility and best practices 100, performance >= 95, and
#     SEO 100 on every indexable page (the 404 page says noindex);
#   - pa11y (HTML_CodeSniffer, WCAG 2 AA): no error.
# Reports go to test-artifacts/audit/ (git-ignored); the exit code is 1 when any page misses its mark.
# The tools come from npm (Node 20) into $AUDIT_TOOLS (default .audit-tools/, git-ignored), never a browser
# download: they drive Debian's chromium ($CHROME_PATH, default /usr/bin/chromium).
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
site=$(cd "${1:-$repo/_site}" && pwd)
tools=${AUDIT_TOOLS:-$repo/.audit-tools}
out=$repo/test-artifacts/audit
export CHROME_PATH=${CHROME_PATH:-/usr/bin/chromium}
prefix=/lillesite

# one page of each type; the French ones, and the English home
pages=(/ /404.html /fr/ /en/ /fr/profil/ /fr/bureau-ue/ /fr/actualites/ /fr/actualites/page/2/
       /fr/actualites/2023/03/mission-ue-adaptation-changement-climatique/ /fr/themes/ /fr/themes/culture/
       /fr/recherche/ /fr/accessibilite/ /fr/mentions-legales/ /fr/donnees-personnelles/ /fr/plan-du-site/)
chooser=yes
if [ $# -gt 1 ]; then pages=("${@:2}"); chooser=no; fi

[ -f "$site/fr/index.html" ] || { echo "audit: $site holds no built site; run 'python build.py' first" >&2; exit 2; }
if [ ! -x "$tools/node_modules/.bin/lighthouse" ] || [ ! -x "$tools/node_modules/.bin/pa11y" ]; then
    mkdir -p "$tools"
    (cd "$tools" && PUPPETEER_SKIP_DOWNLOAD=1 npm install --no-audit --no-fund --silent lighthouse@12.2.3 pa11y@8)
fi
rm -rf "$out" && mkdir -p "$out"

# the site under its sub-path, on a free port
root=$(mktemp -d)
ln -s "$site" "$root$prefix"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 -m http.server "$port" --bind 127.0.0.1 --directory "$root" >/dev/null 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null; rm -rf "$root"' EXIT
base="http://127.0.0.1:$port$prefix"
for _ in $(seq 50); do curl -fs "$base/fr/" >/dev/null && break; sleep 0.1; done

failed=0
# audit NAME URL [LANG]: Lighthouse mobile and desktop, and pa11y, on one page; LANG: the browser's language
audit() {
    local name=$1 url=$2 flags="--headless=new --no-sandbox --disable-dev-shm-usage${3:+ --lang=$3 --accept-lang=$3}" form
    echo "{\"chromeLaunchConfig\": {\"executablePath\": \"$CHROME_PATH\", \"args\": [\"${flags// /\", \"}\"]}}" \
        > "$out/pa11y-$name.config.json"
    for form in mobile desktop; do
        local preset=(); [ "$form" = desktop ] && preset=(--preset=desktop)
        "$tools/node_modules/.bin/lighthouse" "$url" "${preset[@]}" --quiet --output=json \
            --output-path="$out/$name-$form.json" --only-categories=performance,accessibility,best-practices,seo \
            --chrome-flags="$flags" || failed=1
    done
    "$tools/node_modules/.bin/pa11y" --config "$out/pa11y-$name.config.json" --runner htmlcs --standard WCAG2AA \
        --reporter json "$url" > "$out/$name-pa11y.json" || failed=1
}
for path in "${pages[@]}"; do
    audit "$(echo "$path" | tr '/' '-' | sed 's/^-//; s/-$//; s/^$/root/')" "$base$path"
done
# The root follows the browser's language (above: English, to /en/); a browser in a language the site lacks
# stays on the chooser, audited here.
[ "$chooser" = no ] || audit chooser "$base/" de

python3 - "$out" <<'EOF' || failed=1
import json, sys
from pathlib import Path

out = Path(sys.argv[1])
bad = []
print(f"{'page':58} {'form':8} perf a11y  bp  seo  pa11y errors")
for report in sorted(out.glob("*-mobile.json")) + sorted(out.glob("*-desktop.json")):
    data = json.loads(report.read_text())
    scores = {key: round(cat["score"] * 100) for key, cat in data["categories"].items()}
    url = data["finalDisplayedUrl"] + (" (chooser)" if report.stem.startswith("chooser-") else "")
    name, form = report.stem.rsplit("-", 1)
    indexable = not any(a["id"] == "is-crawlable" and a["score"] == 0 for a in data["audits"].values() if "id" in a)
    errors = [i for i in json.loads((out / f"{name}-pa11y.json").read_text() or "[]") if i.get("type") == "error"]
    print(f"{url.split('/lillesite', 1)[1]:58} {form:8} {scores['performance']:4} {scores['accessibility']:4}"
          f" {scores['best-practices']:4} {scores['seo']:4} {len(errors):6}")
    wanted = {"accessibility": 100, "best-practices": 100, "performance": 95, "seo": 100 if indexable else 0}
    bad += [f"{url} ({form}): {key} {scores[key]} < {floor}" for key, floor in wanted.items() if scores[key] < floor]
    bad += [f"{url}: pa11y: {e['code']}: {e['message']}" for e in errors if form == "mobile"]
for line in bad:
    print("audit:", line, file=sys.stderr)
sys.exit(1 if bad else 0)
EOF
exit $failed
