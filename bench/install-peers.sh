#!/usr/bin/env bash
# Installs the mock servers the benchmark compares against, from the npm
# registry only, into bench/.peers/ (gitignored):
#   - Prism (@stoplight/prism-cli), run as `prism mock openapi.json`;
#   - WireMock standalone, whose jar ships inside the npm package `wiremock`
#     (it needs Java 11 or later on PATH).
# Each peer is installed on its own, so one that fails to install leaves the
# other usable; the harness reports a missing peer as "not installed".
set -uo pipefail
cd "$(dirname "$0")"
dir=.peers
mkdir -p "$dir"

status=0
install() { # name, npm spec
	echo "== $1: npm install $2"
	if npm install --prefix "$dir/$1" --no-audit --no-fund --loglevel=error "$2"; then
		echo "== $1: installed"
	else
		echo "== $1: could not be installed" >&2
		status=1
	fi
}

install prism @stoplight/prism-cli@5
install wiremock wiremock@3

jar=$(find "$dir/wiremock/node_modules/wiremock" -name 'wiremock-standalone*.jar' 2>/dev/null | head -1)
if [ -n "${jar}" ]; then
	echo "== wiremock: jar at bench/${jar}"
else
	echo "== wiremock: the npm package holds no standalone jar" >&2
	status=1
fi
if ! command -v java >/dev/null; then
	echo "== wiremock: java is not on PATH; WireMock will be reported as not installed" >&2
fi
exit $status
