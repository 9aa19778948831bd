#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""report.py RAW [JSON_OUT]: pull tunx-bench's JSON out of RAW (VM console
text may surround it), optionally save it clean, and print a markdown
table: one row per mode/size/batch/queues, one column per backend."""
import json
import sys

BACKENDS = ["tunx", "tun", "tun-vnet", "veth"]
UNITS = {"tx": "packets/s", "rx": "packets/s", "echo": "round trips/s",
         "tcp": "Mbit/s"}


def extract(text):
    start = text.index('{"tool"')
    return json.JSONDecoder().raw_decode(text[start:])[0]


def figure(r):
    if r["error"]:
        return None
    return r["bits_per_second"] / 1e6 if r["mode"] == "tcp" else r["pps"]


def main():
    doc = extract(open(sys.argv[1]).read())
    if len(sys.argv) > 2:
        with open(sys.argv[2], "w") as f:
            json.dump(doc, f, indent=1)
    rows = {}
    for r in doc["results"]:
        key = (r["mode"], r["size"], r["batch"], r["queues"])
        rows.setdefault(key, {})[r["backend"]] = figure(r)
    print("Measured %s, kernel %s, %s.  Caveat: %s.\n" %
          (doc["date"], doc["kernel"], doc["virt"], doc["caveat"]))
    print("| mode | size | batch | queues | " + " | ".join(BACKENDS) +
          " | tunx/tun | unit |")
    print("|" + "---|" * (len(BACKENDS) + 6))
    for (mode, size, batch, queues), v in rows.items():
        cells = ["-" if v.get(b) is None else "%.0f" % v[b] for b in BACKENDS]
        ratio = "-"
        if v.get("tunx") and v.get("tun"):
            ratio = "%.2f" % (v["tunx"] / v["tun"])
        print("| %s | %s | %s | %s | %s | %s | %s |" %
              (mode, size or "-", batch or "default", queues,
               " | ".join(cells), ratio, UNITS[mode]))
    reps = max([r.get("repeats", 1) for r in doc["results"]] or [1])
    if reps > 1:
        print("\nEach figure is the median of %d runs interleaved across the "
              "matrix; the JSON has each one's min and max." % reps)
    print("\n(size: IP packet bytes; batch default: the backend's own, "
          "64 for tunx and plain tun, 128 for tun-vnet; tcp is iperf3 "
          "through tunx-tunnel between two namespaces, veth without a tunnel)")


if __name__ == "__main__":
    main()
