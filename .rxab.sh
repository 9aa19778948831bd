#!/bin/sh
for s in 64 1400 9000; do
  ./build/tools/tunx-bench -m rx -b tunx -s $s -d 2 2>&1 | tail -n 3
done
