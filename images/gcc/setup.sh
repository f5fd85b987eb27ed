#!/bin/bash
# Run inside the new image (as root; the offline builder's chroot or the Dockerfile's RUN): for
# each line of precompiled-headers.txt, writes <name>.h (one `#include<header>` line per listed
# header, in order) and compiles it, with the flags of the C++ profile's humaneval-x variants, to
# <name>/<first header>.gch: a folder holding nothing else, which a compile step gets with -I, so
# gcc uses the .gch in place of the program's first include. Jobs read them on the read-only root.
set -euo pipefail
base=/usr/lib/sandbench/gcc/pch
mkdir -p "$base"
sed -e 's/#.*//' /tmp/sandbench-recipe/precompiled-headers.txt | while read -r name includes; do
  [ -n "$name" ] || continue
  : > "$base/$name.h"
  for include in $includes; do
    printf '#include<%s>\n' "$include" >> "$base/$name.h"
  done
  first=${includes%% *}
  mkdir -p "$(dirname "$base/$name/$first")"
  /usr/bin/g++ -std=c++11 -x c++-header "$base/$name.h" -o "$base/$name/$first.gch"
done
chmod -R a+rX "$base"
ls -lR "$base"
