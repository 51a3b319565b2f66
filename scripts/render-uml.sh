#!/usr/bin/env bash
# Renders every uml/*.puml to uml/png/<name>.png (run as `npm run uml`).
#
#   bash scripts/render-uml.sh            # check, then render all diagrams
#
# Needs PlantUML (Debian package `plantuml`, which brings Java and Graphviz). If it is missing and
# apt-get is available, it is installed; otherwise the script says how to install it and exits 1.
# Exits non-zero if a diagram does not parse or a PNG is not produced.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

say() { printf '[uml] %s\n' "$*"; }
die() { printf '[uml] error: %s\n' "$*" >&2; exit 1; }

if ! command -v plantuml >/dev/null 2>&1; then
  say "plantuml is not installed; installing the Debian package 'plantuml' (Java + Graphviz) with apt-get…"
  if ! command -v apt-get >/dev/null 2>&1; then
    die "no apt-get here: install PlantUML yourself (https://plantuml.com/download, with Graphviz) and run again"
  fi
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || die "installing plantuml needs root: run 'apt-get install plantuml' as root, then again"
    sudo="sudo"
  fi
  $sudo apt-get update -qq || die "apt-get update failed"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq plantuml || die "apt-get install plantuml failed"
  command -v plantuml >/dev/null 2>&1 || die "plantuml is still not on PATH after installing it"
fi

shopt -s nullglob
sources=(uml/*.puml)
[ "${#sources[@]}" -gt 0 ] || die "no uml/*.puml files found in $root"

# The class and sequence diagrams are larger than PlantUML's default 4096 px limit (it would crop them).
export PLANTUML_LIMIT_SIZE="${PLANTUML_LIMIT_SIZE:-8192}"

say "checking ${#sources[@]} diagram(s): ${sources[*]}"
if ! plantuml -charset UTF-8 -checkonly "${sources[@]}"; then
  # Say which file is broken (and PlantUML's guess of the line, counted from @startuml).
  for src in "${sources[@]}"; do
    if ! out="$(plantuml -charset UTF-8 -syntax <"$src" 2>&1)"; then
      printf '[uml] error: %s does not parse: %s\n' "$src" "$(printf '%s' "$out" | tr '\n' ' ')" >&2
    fi
  done
  die "fix the diagram(s) above and run again"
fi

mkdir -p uml/png
say "rendering to uml/png/"
# -o is relative to each source file's directory, so uml/x.puml -> uml/png/x.png
plantuml -charset UTF-8 -tpng -o png "${sources[@]}" || die "plantuml failed to render (see above)"

failed=0
for src in "${sources[@]}"; do
  png="uml/png/$(basename "${src%.puml}").png"
  if [ ! -s "$png" ] || [ "$png" -ot "$src" ]; then
    printf '[uml] error: %s was not (re)generated from %s\n' "$png" "$src" >&2
    failed=1
  else
    say "  $png"
  fi
done
[ "$failed" -eq 0 ] || exit 1
say "done"
