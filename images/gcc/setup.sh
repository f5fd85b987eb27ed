#!/bin/bash
# Run inside the new image (as root; the offline builder's chroot or the Dockerfile's RUN):
# writes each precompiled header listed in precompiled-headers.txt (one `#include<name>` line per
# listed header, in order) and compiles it beside itself as <header>.gch, with the flags of the
# C++ profile's humaneval-x variants. Jobs read them on the read-only root and never write them.
set -euo pipefail
folder=/usr/lib/sandbench/gcc/pch
mkdir -p "$folder"
sed -e 's/#.*//' /tmp/sandbench-recipe/precompiled-headers.txt | while read -r name includes; do
  [ -n "$name" ] || continue
  : > "$folder/$name"
  for include in $includes; do
    printf '#include<%s>\n' "$include" >> "$folder/$name"
  done
  /usr/bin/g++ -std=c++11 -x c++-header "$folder/$name" -o "$folder/$name.gch"
done
chmod -R a+rX "$folder"
ls -l "$folder"
