#!/bin/sh
# Downloads one package tarball from an npm registry, checks it against its published integrity
# (sha512, as in package-lock.json) and unpacks it into DEST. Used by the image build to bring
# Node 24 and npm, with no npm yet. The CA of a TLS-inspecting proxy comes as /run/secrets/build_ca.
# Usage: fetch-npm-package.sh REGISTRY NAME VERSION INTEGRITY DEST
set -eu
registry=${1%/} name=$2 version=$3 integrity=$4 dest=$5
ca=
[ -s /run/secrets/build_ca ] && ca="--cacert /run/secrets/build_ca"
tgz=$(mktemp)
# shellcheck disable=SC2086
curl -fsSL $ca -o "$tgz" "$registry/$name/-/$name-$version.tgz"
want=$(printf '%s' "${integrity#sha512-}" | base64 -d | od -An -vtx1 | tr -d ' \n')
got=$(sha512sum "$tgz" | cut -d' ' -f1)
if [ "$want" != "$got" ]; then
  echo "fetch-npm-package: $name@$version does not match its integrity $integrity" >&2
  exit 1
fi
mkdir -p "$dest"
tar -xzf "$tgz" -C "$dest" --strip-components=1 --no-same-owner
rm -f "$tgz"
