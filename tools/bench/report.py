#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""report.py RAW [JSON_OUT]: pull tunx-bench's JSON out of RAW (VM console
text may surround it), optionally save it clean, and print markdown: the
goals with their ratios and verdicts, then the tx sink, rx generator and
equal-load, TCP, batch, size and memory tables, then every run.  The verdicts come from tunx-bench (goals.c); this
only lays them out."""
import json
import sys

UNITS = {"tx": "packets/s", "rx": "packets/s", "echo": "round trips/s",
         "tcp": "Mbit/s", "mem": "bytes", "wireguard": "Mbit/s"}


def extract(text):
    start = text.index('{"tool"')
    return json.JSONDecoder().raw_decode(text[start:])[0]


def figure(r):
    if r["error"]:
        return None
    if r["mode"] == "mem":
        return r["mem_slab"] + r["mem_vmalloc"]
    if r["mode"] in ("tcp", "wireguard"):
        return r["bits_per_second"] / 1e6
    if r["mode"] == "rx" and r.get("rate"):
        # equal load: the device's CPU, if the row was at its rate
        return r["dev_us_per_packet"] if r.get("rate_reached", True) else None
    return r["pps"]


def unit(r):
    if r["mode"] == "rx" and r.get("rate"):
        return "device us/packet"
    return UNITS[r["mode"]]


def num(x, fmt="%.0f"):
    return "-" if x is None or x < 0 else fmt % x


def find(results, **want):
    for r in results:
        if all(r.get(k) == v for k, v in want.items()):
            return r
    return None


def goal_cells(g):
    """target, measured, against, ratio and verdict of one goal."""
    if g.get("bound"):
        # a memory figure at most the bound: the figure, its share of it
        target = "at most %.2f %s" % (g["target"], g["unit"])
        fmt, ratio_fmt = "%.3f", "%.3f"
    elif g.get("at_most"):
        # a counter per packet: the counter, the packets, their quotient
        target = "at most %.2f" % g["target"]
        fmt, ratio_fmt = "%.0f", "%.3f"
    else:
        # 4.0x, 1.5x, and 0.35x whole (not rounded to a target it is not)
        target = ("%.2f" % g["target"]).rstrip("0")
        target += "0x" if target.endswith(".") else "x"
        fmt = "%.2f" if g["unit"] == "us/packet" else "%.0f"
        ratio_fmt = "%.2fx"
    if g.get("na"):
        verdict, ratio = "n/a: " + g["na"], "-"
    elif g["ratio"] < 0:
        verdict, ratio = "not measured", "-"
    else:
        verdict = "**met**" if g["met"] else "not met"
        ratio = ratio_fmt % g["ratio"]
    return (target, num(g["measured"], fmt), num(g["against"], fmt), ratio,
            verdict)


def goals(doc):
    print("| goal | target | measured | against | ratio | verdict |")
    print("|---|---|---|---|---|---|")
    for g in doc.get("goals", []):
        print("| %s | %s | %s | %s | %s | %s |" % ((g["name"],) + goal_cells(g)))
    print("\n(measured and against in %s)" %
          ", ".join(sorted({g["unit"] for g in doc.get("goals", [])})))


def events(r):
    if not r or not (r["kicks"] or r["wakeups"] or r["queue_stops"]):
        return "-"
    return "%d / %d / %d" % (r["kicks"], r["wakeups"], r["queue_stops"])


def calls(r):
    """poll() and TUNX_IOC_KICK calls of the worker threads (packet modes;
    older JSON has none)."""
    if not r or not (r.get("polls") or r.get("kick_ioctls")):
        return "-"
    return "%d / %d" % (r["polls"], r["kick_ioctls"])


def per_packet(r, key):
    if not r or r["error"] or not r["packets"] or key not in r:
        return "-"
    return "%.3f" % (r[key] / r["packets"])


def tcp(res):
    rows = [r for r in res if r["mode"] == "tcp"]
    if not rows:
        return
    print("\n**TCP through tunx-tunnel** (iperf3, Mbit/s; veth: no tunnel)\n")
    print("| backend | queues | streams | Mbit/s | kicks / wakeups / "
          "queue stops | cpu user / sys / softirq / idle % |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        print("| %s | %d | %d | %s | %s | %s |" % (
            r["backend"], r["queues"], r["streams"], num(figure(r)),
            events(r), cpu(r)))


def sink(r):
    """tx: where the packets ended; older JSON has no sink (a blackhole).
    rx: the generator (older JSON: the unconnected UDP flood), and its
    rate when held to one, and the device's rx-usecs when set."""
    if r["mode"] == "rx":
        g = r.get("gen") or "unconnected"
        return g + (" @%d/s" % r["rate"] if r.get("rate") else "") + (
            " rx-usecs %d" % r["rx_usecs"] if r.get("rx_usecs") else "")
    return r.get("sink") or ("blackhole" if r["mode"] == "tx" and
                             "sink" not in r else None)


def vcpus(r):
    """Per-CPU user/sys/softirq/idle, compact: "cpu0 1/60/30/9 cpu1 ..."."""
    return " ".join("cpu%d %.0f/%.0f/%.0f/%.0f" % (
        c["cpu"], c["user"], c["sys"], c["softirq"], c["idle"])
        for c in r.get("vcpus", [])) or "-"


def gens(res):
    rows = [r for r in res if r["mode"] == "rx" and r["size"] == 64 and
            r["batch"] == 0 and r["queues"] == 1 and not r.get("rate") and
            r["backend"] in ("tunx", "tun") and r.get("gen")]
    names = [g for g in ("packet", "udp", "unconnected")
             if any(r["gen"] == g for r in rows)]
    if len(names) < 2:
        return
    print("\n**rx 64 B by generator** (packet: AF_PACKET TX_RING with "
          "qdisc bypass into the device's xmit; udp: connected sockets; "
          "unconnected: one socket, an address per datagram; the figure "
          "is what the reader read; sent: what the generator handed the "
          "kernel, lost: sent but not read)\n")
    print("| generator | tunx pps | tun pps | tunx/tun | tunx sent / lost | "
          "tun sent / lost | tunx per CPU us/sy/si/id |")
    print("|---|---|---|---|---|---|---|")
    for g in names:
        x = find(rows, backend="tunx", gen=g)
        t = find(rows, backend="tun", gen=g)
        fx, ft = x and figure(x), t and figure(t)

        def sl(r):
            if not r or r["error"]:
                return "-"
            return "%d / %d" % (r["gen_sent"], r["gen_lost"])
        print("| %s | %s | %s | %s | %s | %s | %s |" % (
            g, num(fx), num(ft), "%.2f" % (fx / ft) if fx and ft else "-",
            sl(x), sl(t), vcpus(x) if x else "-"))


def equal_load(res):
    rows = [r for r in res if r["mode"] == "rx" and r.get("rate")]
    if not rows:
        return
    print("\n**rx at equal load** (the generator held to a rate; busy CPU "
          "of all vCPUs per packet read, the same generator's per packet "
          "into a dummy device, and the difference: the device's own "
          "cost, in microseconds)\n")
    print("| backend | size | generator | read pps | CPU us/packet | "
          "generator us/packet | device us/packet | per CPU us/sy/si/id |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        if r["error"]:
            print("| %s | %d | %s | not run: %s | | | | |" % (
                r["backend"], r["size"], sink(r), r["error"]))
            continue
        print("| %s | %d | %s | %.0f%s | %.2f | %.2f | %.2f | %s |" % (
            r["backend"], r["size"], sink(r), r["pps"],
            "" if r.get("rate_reached", True) else " (rate not reached)",
            r["cpu_us_per_packet"], r["gen_us_per_packet"],
            r["dev_us_per_packet"], vcpus(r)))


def held(res, rest):
    """rx rows with the device's ethtool rx-usecs set, beside the same
    run at the default (50 us); judged by no goal."""
    rows = [r for r in res if r.get("rx_usecs")]
    if not rows:
        return
    print("\n**rx 64 B, wakeup held longer** (the device's ethtool rx-usecs: "
          "how long a sleeping reader's wakeup may wait for the batch it "
          "asked for; no goal)\n")
    print("| backend | rx-usecs | pps | wakeups / packet | "
          "per CPU us/sy/si/id |")
    print("|---|---|---|---|---|")
    for r in [find(rest, mode="rx", backend=x["backend"], size=x["size"],
                   gen=x.get("gen"), batch=0, queues=1, rate=0)
              for x in rows[:1]] + rows:
        if not r:
            continue
        if r["error"]:
            print("| %s | %s | not run: %s | | |" % (
                r["backend"], r.get("rx_usecs") or "50 (default)",
                r["error"]))
            continue
        print("| %s | %s | %.0f | %s | %s |" % (
            r["backend"], r.get("rx_usecs") or "50 (default)", r["pps"],
            per_packet(r, "wakeups"), vcpus(r)))


def sinks(res):
    rows = [r for r in res if r["mode"] == "tx" and r["size"] == 64 and
            r["batch"] == 0 and r["queues"] == 1 and
            r["backend"] in ("tunx", "tun") and r.get("sink")]
    names = [s for s in ("drop", "route", "socket")
             if any(r["sink"] == s for r in rows)]
    if len(names) < 2:
        return
    print("\n**tx 64 B by sink** (drop: tc ingress matchall drop on the "
          "device, its own cost; route: forwarded to a dummy device; "
          "socket: a UDP socket reading; \"sink got\": what the sink "
          "counted against what the device took)\n")
    print("| sink | tunx pps | tun pps | tunx/tun | tunx sink got / took | "
          "tun sink got / took |")
    print("|---|---|---|---|---|---|")
    for s in names:
        x = find(rows, backend="tunx", sink=s)
        t = find(rows, backend="tun", sink=s)
        fx, ft = x and figure(x), t and figure(t)

        def got(r):
            if not r or r["error"]:
                return "-"
            return "%d / %d" % (r.get("sink_packets", 0), r["packets"])
        print("| %s | %s | %s | %s | %s | %s |" % (
            s, num(fx), num(ft), "%.2f" % (fx / ft) if fx and ft else "-",
            got(x), got(t)))


def curve(res, mode, key, title):
    # tx curves on the drop sink (or, in older JSON, the blackhole); rx
    # with the packet generator (older JSON: the only one) at full speed
    res = [r for r in res if r["mode"] != "tx" or
           r.get("sink", "drop") == "drop"]
    res = [r for r in res if r["mode"] != "rx" or
           r.get("gen", "packet") == "packet" and not r.get("rate")]
    pts = sorted({r[key] for r in res if r["mode"] == mode and
                  r["queues"] == 1 and r["backend"] in ("tunx", "tun") and
                  (key == "batch" and r["size"] == 64 or
                   key == "size" and r["batch"] == 0)})
    if len(pts) < 3:
        return
    print("\n**%s**\n" % title)
    print("| %s | tunx pps | tun pps | tunx/tun | tunx batch used | "
          "tunx Mbit/s | tunx kicks / packet | tunx polls / packet |" % key)
    print("|---|---|---|---|---|---|---|---|")
    for p in pts:
        sel = dict(mode=mode, queues=1, **{key: p})
        if key == "batch":
            sel["size"] = 64
        else:
            sel["batch"] = 0
        x = find(res, backend="tunx", **sel)
        t = find(res, backend="tun", **sel)
        fx, ft = x and figure(x), t and figure(t)
        used = "-"
        if x and not x["error"]:
            used = "%d%s" % (x["batch_used"], " (reserve/submit)"
                             if x["zero_copy"] else "")
        print("| %s | %s | %s | %s | %s | %s | %s | %s |" % (
            "default" if p == 0 else p, num(fx), num(ft),
            "%.2f" % (fx / ft) if fx and ft else "-", used,
            num(x["bits_per_second"] / 1e6 if fx else None),
            per_packet(x, "kicks"), per_packet(x, "polls")))


BASELINES = ("tunx", "tunx-busy", "tunx-zc", "tun", "tun-vnet", "tun-uring",
             "tun-sqpoll", "tun-napi", "xdp-veth")


def why(r):
    """A row that did not run: n/a (the backend cannot make it) as is."""
    return r["error"] if r["error"].startswith("n/a") else \
        "failed: " + r["error"]


def cell(r):
    """A row's figure, or n/a when the backend cannot make it (xdp-veth
    above 1500 B), or - when it is missing or failed."""
    if r and r["error"] and r["error"].startswith("n/a"):
        return "n/a"
    return num(figure(r) if r else None)


def ratio(a, b):
    return "%.2f" % (a / b) if a and b else "-"


def baselines(res):
    """64 B, one queue, default batch: tunx beside what a user would pick
    instead (tun through io_uring, tun with IFF_NAPI); tx on drop."""
    # rx: the packet generator at full speed only; the udp and equal-load
    # rows of tunx and tun would otherwise stand in for theirs
    sel = [r for r in res if r["size"] == 64 and r["batch"] == 0 and
           r["queues"] == 1 and
           (r["mode"] == "rx" and r.get("gen") == "packet" and
            not r.get("rate") or
            r["mode"] == "tx" and r.get("sink") == "drop")]
    if not any(r["backend"] in ("tun-uring", "tun-sqpoll", "tun-napi",
                                "tunx-zc", "xdp-veth") for r in sel):
        return
    print("\n**64 B against the alternatives** (tx on the drop sink; "
          "tun-uring/tun-sqpoll: tun through io_uring, tun-napi: tun with "
          "IFF_NAPI, tunx-zc: the zero-copy API, xdp-veth: AF_XDP in copy "
          "mode on a veth, 14 B of Ethernet more a packet)\n")
    print("| backend | tx pps | rx pps | tunx/this tx | tunx/this rx |")
    print("|---|---|---|---|---|")
    rows = {(r["mode"], r["backend"]): r for r in sel}
    f = {k: figure(r) for k, r in rows.items()}
    for b in BASELINES:
        if ("tx", b) not in f and ("rx", b) not in f:
            continue
        tx, rx = f.get(("tx", b)), f.get(("rx", b))
        print("| %s | %s | %s | %s | %s |" % (
            b, cell(rows.get(("tx", b))), cell(rows.get(("rx", b))),
            ratio(f.get(("tx", "tunx")), tx),
            ratio(f.get(("rx", "tunx")), rx)))


def zc_sizes(res):
    """rx by size: the zero-copy API beside the copying one and tun."""
    rows = [r for r in res if r["mode"] == "rx" and r["batch"] == 0 and
            r["queues"] == 1]
    pts = sorted({r["size"] for r in rows if r["backend"] == "tunx-zc"})
    if not pts:
        return
    print("\n**rx by packet size: zero copy** (tunx-zc reads in place "
          "with peek/release; tunx copies with tunx_read())\n")
    print("| size | tun pps | tunx pps | tunx-zc pps | xdp-veth pps | "
          "tunx/tun | tunx-zc/tun |")
    print("|---|---|---|---|---|---|---|")
    for p in pts:
        f = {b: figure(r) for b in ("tun", "tunx", "tunx-zc")
             for r in [find(rows, backend=b, size=p)] if r}
        t, x, z = f.get("tun"), f.get("tunx"), f.get("tunx-zc")
        print("| %d | %s | %s | %s | %s | %s | %s |" % (
            p, num(t), num(x), num(z),
            cell(find(rows, backend="xdp-veth", size=p)),
            ratio(x, t), ratio(z, t)))


def memory(res):
    rows = [r for r in res if r["mode"] == "mem"]
    if not rows:
        return
    print("\n**Memory per device** (one queue, default ring size, link up; "
          "ring mapping from TUNX_IOC_GET_INFO; kernel = growth of Slab + "
          "VmallocUsed in /proc/meminfo over N devices open at once, "
          "divided by N; MemAvailable is noisier: page cache, earlier "
          "namespaces freed in the background)\n")
    print("| backend | devices | ring entries | ring mapping | kernel | Slab | "
          "VmallocUsed | MemAvailable drop |")
    print("|---|---|---|---|---|---|---|---|")
    mib = 1 << 20
    for r in rows:
        devices = r.get("devices", 4)
        if r["error"]:
            print("| %s | %s | not run: %s | | | | | |" % (
                r["backend"], devices, r["error"]))
            continue
        print("| %s | %s | %s%s | %.2f MiB | %.2f MiB | %+.0f KiB | "
              "%+.2f MiB | %.2f MiB |" % (
                  r["backend"], devices, r["ring_entries"] or "-",
                  " (offload)" if r.get("mem_offload") else "",
                  r["mem_mmap"] / mib,
                  (r["mem_slab"] + r["mem_vmalloc"]) / mib,
                  r["mem_slab"] / 1024, r["mem_vmalloc"] / mib,
                  r["mem_avail"] / mib))
    memory_totals([r for r in rows if not r["error"] and "devices" in r])


def memory_totals(rows):
    """What each run's devices held together, and how long they took."""
    if not rows:
        return
    print("\n**Devices open at once** (all open and up; kernel = Slab + "
          "VmallocUsed growth plus the ring mappings; open: tunx_open() and "
          "link up of every device, close: tunx_close() of every one)\n")
    print("| backend | devices | kernel | ring mappings | MemAvailable drop | "
          "fds per device | open s | close s |")
    print("|---|---|---|---|---|---|---|---|")
    mib = 1 << 20
    for r in rows:
        print("| %s | %d | %.1f MiB | %.1f MiB | %.1f MiB | %.1f | %.1f | "
              "%.1f |" % (
                  r["backend"], r["devices"],
                  (r["mem_mmap_total"] + r["mem_slab_total"] +
                   r["mem_vmalloc_total"]) / mib,
                  r["mem_mmap_total"] / mib, r["mem_avail_total"] / mib,
                  r["mem_fds"], r["mem_open_seconds"],
                  r["mem_close_seconds"]))


def cpu(r):
    if not r.get("cpu_user", 0) + r.get("cpu_sys", 0) + r.get("cpu_softirq", 0):
        return "-"
    return "%.0f / %.0f / %.0f / %.0f" % (r["cpu_user"], r["cpu_sys"],
                                          r["cpu_softirq"], r["cpu_idle"])


def everything(res):
    print("\n<details><summary>every run</summary>\n")
    print("| mode | backend | sink / generator | size | batch | queues | streams | "
          "figure | unit | kicks / wakeups / stops | polls / KICK ioctls | "
          "cpu user / sys / softirq / idle % |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in res:
        f = figure(r)
        print("| %s | %s | %s | %s | %s | %d | %s | %s | %s | %s | %s | %s |" % (
            r["mode"], r["backend"], sink(r) or "-", r["size"] or "-",
            r["batch_used"] if r["batch"] else "default", r["queues"],
            r["streams"] or "-", why(r) if r["error"]
            else "rate not reached" if f is None
            else num(f, "%.2f" if r.get("rate") else "%.0f"), unit(r),
            events(r), calls(r), cpu(r)))
    print("\n</details>")


def main():
    doc = extract(open(sys.argv[1]).read())
    if len(sys.argv) > 2:
        with open(sys.argv[2], "w") as f:
            json.dump(doc, f, indent=1)
    # rows with rx-usecs set have a table of their own (held())
    allres = doc["results"]
    res = [r for r in allres if not r.get("rx_usecs")]
    reps = max([r.get("repeats", 1) for r in res] or [1])
    runs = "one run" if reps == 1 else "median of %d runs" % reps
    print("Measured %s, kernel %s, %s, %s.  Caveat: %s.\n" %
          (doc["date"], doc["kernel"], doc["virt"], runs, doc["caveat"]))
    goals(doc)
    sinks(res)
    gens(res)
    equal_load(res)
    held(allres, res)
    tcp(res)
    curve(res, "tx", "batch", "tx 64 B, drop sink: packets/s by batch size")
    curve(res, "tx", "size", "tx, drop sink: packets/s by packet size")
    curve(res, "rx", "size", "rx (packet generator): packets/s by packet "
          "size")
    baselines(res)
    zc_sizes(res)
    memory(res)
    everything(allres)
    if reps > 1:
        print("\nEach figure is the median of %d runs interleaved across the "
              "matrix; the JSON has each one's min and max." % reps)
    print("\n(kicks: the tunx device's counter, TUNX_IOC_KICK ioctls plus "
          "the times poll() found tx work, a sleeping poll() looking again "
          "when woken; polls and KICK ioctls: the "
          "calls the benchmark's worker threads made, in libtunx or "
          "themselves, counted apart)")
    print("\n(size: IP packet bytes; tunx in tx/rx runs without offload, as "
          "plain tun; tunx_write() takes at most 64 packets per call, so "
          "tunx tx batches above 64 use reserve/submit on rings of twice "
          "the batch)")


if __name__ == "__main__":
    main()
