#!/bin/bash
# Run by the offline builder inside the new image (as root): warms a Go build cache with what
# every job compiles (testify and its dependencies, the test runner), built in /work/job as the
# jobs are, so their cache keys match. Jobs read it through GOCACHE on the read-only root: a job
# can use it and never change it.
set -euo pipefail
base=/usr/lib/sandbench/go
export GOCACHE="$base/cache" CGO_ENABLED=0 GOPROXY=off GOFLAGS= HOME=/work/job TMPDIR=/tmp
mkdir -p "$GOCACHE" /work/job
cp -r "$base/humaneval-x/." /work/job/
cd /work/job
cat > main_test.go <<'GO'
package main

import (
	"fmt"
	"math"
	"math/rand"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestWarm(t *testing.T) {
	assert := assert.New(t)
	assert.Equal(fmt.Sprint(1), strconv.Itoa(1))
	assert.Equal(strings.ToUpper("a"), "A")
	sort.Ints([]int{2, 1})
	_ = math.Sqrt(2) + float64(rand.Intn(2)) + float64(time.Now().Unix()%1)
}
GO
go test -c -o main.test main_test.go
go vet main_test.go
./main.test
# A program outside any module (the generic profile) warms the standard packages' vet facts.
mkdir -p /tmp/plain && cd /tmp/plain
printf 'package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("OK") }\n' > main.go
go build -o main main.go
cd / && rm -rf /work/job /tmp/plain
chmod -R a+rX "$GOCACHE"
du -sh "$GOCACHE"
