#!/usr/bin/env bash
# Vendors GOV.UK Frontend's CSS into services/desk/static/govuk-frontend.min.css, compiled with
# Sass from the npm package at a pinned version and restyled minimally for a municipality:
# no GDS Transport font (licensed for GOV.UK only; the system font instead, and no @font-face,
# so the pages load no font and the CSP needs no font-src) GOV.UK's colours
# (their contrast is what WCAG AA needs) kept. Needs node + npm and the internet (run it outside the test namespace);
# the result is committed, so `make up` needs neither.
set -euo pipefail
GOVUK_VERSION=6.6.0
SASS_VERSION=1.108.2
here="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
npm init -y >/dev/null
npm install --silent --no-audit --no-fund "govuk-frontend@$GOVUK_VERSION" "sass@$SASS_VERSION" >/dev/null
cat > desk.scss <<'SCSS'
@use "pkg:govuk-frontend" with (
  $govuk-font-family: (system-ui, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif),
  $govuk-include-default-font-face: false
);
SCSS
npx sass --pkg-importer=node --style=compressed --no-source-map --quiet desk.scss "$here/static/govuk-frontend.min.css"
cp node_modules/govuk-frontend/LICENSE.txt "$here/static/govuk-frontend.LICENSE.txt" 2>/dev/null \
  || cp node_modules/govuk-frontend/package.json "$here/static/govuk-frontend.package.json"
echo "govuk-frontend $GOVUK_VERSION (sass $SASS_VERSION) -> $here/static/govuk-frontend.min.css"
