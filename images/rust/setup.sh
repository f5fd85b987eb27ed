#!/bin/bash
# Run by the offline builder inside the new image (as root): builds the crates HumanEval-X
# programs import (rand 0.4.6 from the data folder, regex and md5 from Debian's crate
# registry) with cargo, offline, in the debug profile upstream uses, and writes the rustc
# arguments that link them: /usr/lib/sandbench/rust/crates.args (`rustc @crates.args ...`).
set -euo pipefail
base=/usr/lib/sandbench/rust
build=/tmp/sandbench-crates
mkdir -p "$build/src" "$build/.cargo" "$base/deps"
cat > "$build/Cargo.toml" <<TOML
[package]
name = "sandbench-crates"
version = "0.1.0"
edition = "2021"

[dependencies]
rand = "0.4"
regex = "1"
md5 = "0.7.0"

[patch.crates-io]
rand = { path = "$base/source/rand-0.4.6" }
TOML
cat > "$build/.cargo/config.toml" <<'TOML'
[source.crates-io]
replace-with = "debian"

[source.debian]
directory = "/usr/share/cargo/registry"

[net]
offline = true
TOML
: > "$build/src/lib.rs"
cd "$build"
CARGO_HOME=/tmp/cargo-home cargo build --offline
cp target/debug/deps/*.rlib "$base/deps/"
{
  echo "-L"
  echo "dependency=$base/deps"
  for crate in rand regex md5; do
    rlib=$(ls "$base/deps/lib${crate}-"*.rlib | head -n 1)
    echo "--extern"
    echo "$crate=$rlib"
  done
} > "$base/crates.args"
cd / && rm -rf "$build" /tmp/cargo-home
chmod -R a+rX "$base"
cat "$base/crates.args"
