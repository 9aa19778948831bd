// SPDX-License-Identifier: GPL-2.0
/*
 * The names of modes, backends, sinks and generators, as the command line
 * takes them and every table and JSON row prints them (bench.h's enums,
 * in their order).
 */
#include "bench.h"

const char *const bench_mode_names[MODE_COUNT] = {
	"tx", "rx", "echo", "tcp", "mem", "wireguard" };
const char *const bench_backend_names[BK_COUNT] = {
	"tunx", "tun", "tun-vnet", "veth", "tunx-busy", "tunx-plain",
	"tunx-zc", "tun-uring", "tun-sqpoll", "tun-napi", "xdp-veth",
	"tunx-copy" };
const char *const bench_sink_names[SINK_COUNT] = {
	"-", "drop", "route", "socket" };
const char *const bench_gen_names[GEN_COUNT] = {
	"-", "packet", "udp", "unconnected" };
