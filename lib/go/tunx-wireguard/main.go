// SPDX-License-Identifier: LGPL-2.1-or-later

// tunx-wireguard runs wireguard-go's device.Device on a libtunx device:
//
//	tunx-wireguard NAME MTU < uapi.conf
//	tunx-wireguard pubkey HEXPRIVATE   (prints the public key, hex)
//
// NAME may be a pattern ("wg%d"); uapi.conf is wireguard's UAPI "set"
// text (private_key=<hex>, listen_port=..., public_key=..., endpoint=...,
// allowed_ip=...).  Address and route the printed interface with ip(8);
// SIGINT or SIGTERM stops it.  TUNX_WG_BACKEND=tun|tunx picks the
// backend (default: AUTO).
package main

import (
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"syscall"

	tunx "../tunx"

	"golang.org/x/crypto/curve25519"
	"golang.zx2c4.com/wireguard/conn"
	"golang.zx2c4.com/wireguard/device"
)

func pubkey(hexpriv string) {
	priv, err := hex.DecodeString(hexpriv)
	if err == nil && len(priv) != 32 {
		err = fmt.Errorf("need 32 bytes, got %d", len(priv))
	}
	var pub []byte
	if err == nil {
		pub, err = curve25519.X25519(priv, curve25519.Basepoint)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "tunx-wireguard: pubkey:", err)
		os.Exit(2)
	}
	fmt.Println(hex.EncodeToString(pub))
}

func main() {
	if len(os.Args) == 3 && os.Args[1] == "pubkey" {
		pubkey(os.Args[2])
		return
	}
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: tunx-wireguard NAME MTU < uapi.conf")
		os.Exit(2)
	}
	mtu, err := strconv.Atoi(os.Args[2])
	if err != nil {
		fmt.Fprintln(os.Stderr, "tunx-wireguard: bad MTU:", err)
		os.Exit(2)
	}
	conf, err := io.ReadAll(os.Stdin)
	if err != nil {
		fmt.Fprintln(os.Stderr, "tunx-wireguard:", err)
		os.Exit(1)
	}
	backend := tunx.BackendAuto
	switch os.Getenv("TUNX_WG_BACKEND") {
	case "tunx":
		backend = tunx.BackendTunx
	case "tun":
		backend = tunx.BackendTun
	}
	t, err := tunx.CreateTUNBackend(os.Args[1], mtu, backend)
	if err != nil {
		fmt.Fprintln(os.Stderr, "tunx-wireguard:", err)
		os.Exit(1)
	}
	name, _ := t.Name()
	logger := device.NewLogger(device.LogLevelError, "tunx-wireguard: ")
	dev := device.NewDevice(t, conn.NewDefaultBind(), logger)
	if err := dev.IpcSet(string(conf)); err != nil {
		fmt.Fprintln(os.Stderr, "tunx-wireguard: config:", err)
		dev.Close()
		os.Exit(1)
	}
	if err := dev.Up(); err != nil {
		fmt.Fprintln(os.Stderr, "tunx-wireguard: up:", err)
		dev.Close()
		os.Exit(1)
	}
	fmt.Println(name)
	fmt.Fprintln(os.Stderr, "tunx-wireguard:", name, t.Backend())
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	select {
	case <-sig:
	case <-dev.Wait():
	}
	dev.Close()
}
