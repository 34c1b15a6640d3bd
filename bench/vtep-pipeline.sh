#!/bin/bash
# Builds and runs bench/vtep-pipeline.c (the seam-vtep forwarding core
# alone, no I/O) against build/'s libraries; prints ns/packet per case.
# Usage: bash bench/vtep-pipeline.sh [FRAMES_PER_CASE]
set -euo pipefail
cd "$(dirname "$0")/.."
make -s build/libseam-vtep.a build/libseam-ovsdb.a build/libseam-lib.a
cc -std=gnu11 -D_GNU_SOURCE -O2 -g -Wall -Wextra -Werror -Isrc \
   bench/vtep-pipeline.c -o build/vtep-pipeline \
   build/libseam-vtep.a build/libseam-ovsdb.a build/libseam-lib.a \
   $(pkg-config --libs jansson libevent libevent_openssl openssl) -lpthread
exec build/vtep-pipeline "$@"
