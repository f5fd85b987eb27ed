# Arithmetic, a loop and a coreutils pipeline, as shell tasks use them.
total=0
for value in $(seq 1 3); do total=$((total + value)); done
sorted=$(printf '3\n1\n2\n' | sort -n | tr '\n' ' ')
if [ "$total" = 6 ] && [ "$sorted" = "1 2 3 " ]; then echo OK; else echo FAIL; fi
