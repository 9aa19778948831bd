// SPDX-License-Identifier: LGPL-2.1-or-later

package tunx

import (
	"errors"
	"os"
	"sync"
	"testing"
	"time"

	"golang.zx2c4.com/wireguard/tun"
)

func TestPipeMovesPacketsAtOffset(t *testing.T) {
	a, b, err := NewPipe()
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	defer b.Close()
	out := make([]byte, 16+100)
	for i := range out[16:] {
		out[16+i] = byte(i)
	}
	if n, err := a.Write(out, 16); err != nil || n != len(out) {
		t.Fatalf("write: %d %v", n, err)
	}
	in := make([]byte, 32+200)
	n, err := b.Read(in, 32)
	if err != nil || n != 100 || in[32+99] != 99 {
		t.Fatalf("read: %d %v", n, err)
	}
}

// wireguard-go closes the device while its read loop is inside Read, and
// the loop calls Read again afterwards.
func TestCloseWhileReadingThenCallsSayClosed(t *testing.T) {
	a, b, err := NewPipe()
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	done := make(chan error)
	go func() {
		buf := make([]byte, 2000)
		_, err := b.Read(buf, 0)
		done <- err
	}()
	time.Sleep(50 * time.Millisecond)
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; !errors.Is(err, os.ErrClosed) {
		t.Fatalf("blocked read: %v", err)
	}
	if _, err := b.Read(make([]byte, 100), 0); !errors.Is(err, os.ErrClosed) {
		t.Fatalf("read after close: %v", err)
	}
	if _, err := b.Write(make([]byte, 100), 0); !errors.Is(err, os.ErrClosed) {
		t.Fatalf("write after close: %v", err)
	}
	if _, err := b.MTU(); !errors.Is(err, os.ErrClosed) {
		t.Fatalf("mtu after close: %v", err)
	}
	if err := b.Close(); err != nil { // idempotent
		t.Fatal(err)
	}
	for range b.Events() { // closed by Close (Up may be buffered)
	}
}

func TestEventsUpThenClosed(t *testing.T) {
	a, b, err := NewPipe()
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	select {
	case ev := <-a.Events():
		if ev != tun.EventUp {
			t.Fatalf("event %d", ev)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("no Up event")
	}
	a.Close()
	if _, ok := <-a.Events(); ok {
		t.Fatal("events channel not closed")
	}
}

// wireguard-go writes from one goroutine per peer.
func TestManyWritersNothingLost(t *testing.T) {
	a, b, err := NewPipe()
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	defer b.Close()
	const writers, each = 4, 500
	var wg sync.WaitGroup
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			buf := make([]byte, 64)
			buf[0] = byte(w)
			for i := 0; i < each; i++ {
				if _, err := a.Write(buf, 0); err != nil {
					t.Error(err)
					return
				}
			}
		}(w)
	}
	got := make([]int, writers)
	buf := make([]byte, 128)
	for i := 0; i < writers*each; i++ {
		if _, err := b.Read(buf, 0); err != nil {
			t.Fatal(err)
		}
		got[buf[0]]++
	}
	wg.Wait()
	for w, n := range got {
		if n != each {
			t.Fatalf("writer %d: %d of %d", w, n, each)
		}
	}
}
