#!/usr/bin/env bash
# Vendors the desk's upload library into services/desk/static/uppy.min.js: Uppy's core and
# its S3 uploader (@uppy/core, @uppy/aws-s3) at the versions pinned in uppy/package-lock.json,
# bundled by esbuild into one IIFE (window.DeskUppy), with the licences of everything bundled in
# static/uppy.LICENSES.txt and the versions and the bundle's SHA-256 in static/uppy.json.
#   vendor_uppy.sh           rebuild from npm and write the three files
#   vendor_uppy.sh --verify  rebuild and compare with the committed bundle (exit 1 if it differs)
# Needs node + npm and the internet (run it outside the test namespace); the result is
# committed, so `make up` needs neither.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
static="$here/../static"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp "$here/uppy/package.json" "$here/uppy/package-lock.json" "$here/uppy/entry.js" "$work/"
cd "$work"
npm ci --silent --no-audit --no-fund >/dev/null
# esbuild from its platform package (npm may skip its postinstall, which only checks the binary)
node_modules/.bin/esbuild entry.js --bundle --minify --format=iife --target=es2020 \
  --legal-comments=none --metafile=meta.json --log-level=warning --outfile=uppy.min.js
node - <<'JS'
const fs = require('fs'), path = require('path'), crypto = require('crypto')
const meta = JSON.parse(fs.readFileSync('meta.json'))
const dirs = new Set()
for (const input of Object.keys(meta.inputs)) {
  const m = input.match(/^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//)
  if (m) dirs.add(m[1])
}
const lock = JSON.parse(fs.readFileSync('package-lock.json'))
const bundled = [...dirs].sort().map((dir) => {
  const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json')))
  const file = fs.readdirSync(dir).find((f) => /^(licen[sc]e|copying)/i.test(f))
  return { name: pkg.name, version: pkg.version, license: pkg.license,
           integrity: (lock.packages[dir] || {}).integrity,
           text: file ? fs.readFileSync(path.join(dir, file), 'utf8').trim() : `(no licence file; package.json says ${pkg.license})` }
})
const bundle = fs.readFileSync('uppy.min.js')
fs.writeFileSync('uppy.json', JSON.stringify({
  file: 'uppy.min.js', sha256: crypto.createHash('sha256').update(bundle).digest('hex'),
  built_with: { esbuild: lock.packages['node_modules/esbuild'].version },
  packages: bundled.map(({ text, ...p }) => p),
}, null, 1) + '\n')
fs.writeFileSync('uppy.LICENSES.txt', bundled.map((p) => `== ${p.name} ${p.version} (${p.license}) ==\n${p.text}\n`).join('\n'))
JS
if [ "${1:-}" = "--verify" ]; then
  status=0
  for f in uppy.min.js uppy.json uppy.LICENSES.txt; do
    cmp -s "$f" "$static/$f" || { echo "$f differs from the one built from npm" >&2; status=1; }
  done
  want=$(node -e "console.log(require('$static/uppy.json').sha256)")
  have=$(sha256sum "$static/uppy.min.js" | cut -d' ' -f1)
  [ "$want" = "$have" ] || { echo "static/uppy.min.js does not have the SHA-256 in uppy.json" >&2; status=1; }
  [ $status = 0 ] && echo "uppy.min.js verified: $have"
  exit $status
fi
cp uppy.min.js uppy.json uppy.LICENSES.txt "$static/"
echo "uppy -> $static/uppy.min.js ($(sha256sum uppy.min.js | cut -d' ' -f1))"
