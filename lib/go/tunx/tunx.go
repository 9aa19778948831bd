// SPDX-License-Identifier: LGPL-2.1-or-later

// Package tunx implements wireguard-go's tun.Device on libtunx, so a
// wireguard-go device.Device runs on tunx rings (or the /dev/net/tun
// fallback) unchanged.  The Device interface is the one of the
// wireguard-go Debian 12 packages (0.0.20220316: one packet per Read and
// Write); libtunx batches underneath.
//
// Close follows wireguard-go: it may run while Read or Write are blocked
// in other goroutines and they return an error that says "closed"; calls
// after Close return it too.  The C device is freed only once no call is
// inside it (libtunx's tunx_close must not race a call that has not
// started, a guarantee only the binding can give).
package tunx

/*
#cgo CFLAGS: -I${SRCDIR}/../../../include
#cgo LDFLAGS: -L${SRCDIR}/../../../build/lib -ltunx -Wl,-rpath,${SRCDIR}/../../../build/lib
#include <errno.h>
#include <net/if.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <tunx/tunx.h>

static int go_read1(struct tunx_device *d, uint8_t *buf, size_t size,
		    size_t off, size_t *len)
{
	return tunx_read(d, &buf, size, len, 1, off);
}

static int go_write1(struct tunx_device *d, uint8_t *buf, size_t len,
		     size_t off)
{
	return tunx_write(d, &buf, &len, 1, off);
}

// Blocks until an event or shutdown; 1 with *ev set, -ESHUTDOWN, -errno.
static int go_event_wait(struct tunx_device *d, unsigned int *ev)
{
	struct pollfd p = { .events = POLLIN };
	int r;

	for (;;) {
		r = tunx_event_next(d, ev);
		if (r)
			return r;
		p.fd = tunx_events_fd(d);
		if (p.fd < 0)
			return p.fd;
		if (poll(&p, 1, -1) < 0 && errno != EINTR)
			return -errno;
	}
}
*/
import "C"

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"unsafe"

	"golang.zx2c4.com/wireguard/tun"
)

// ErrClosed is what every call returns after Close (wraps os.ErrClosed).
var ErrClosed = fmt.Errorf("tunx: device closed: %w", os.ErrClosed)

const maxPacket = 65535

// Device is a libtunx device behind wireguard-go's tun.Device.
type Device struct {
	mu      sync.RWMutex // R: a call is inside C; W: Close frees
	dev     *C.struct_tunx_device
	closed  bool
	events  chan tun.Event
	mro     int
	mwo     int
	rbuf    unsafe.Pointer // C memory: one reader at a time (rmu)
	rmu     sync.Mutex
	wpool   sync.Pool // C write buffers: Write runs on many goroutines
	evDone  chan struct{}
	closeMu sync.Mutex
}

var _ tun.Device = (*Device)(nil)

func errno(r C.int) error {
	if r == -C.ESHUTDOWN {
		return ErrClosed
	}
	return fmt.Errorf("tunx: %s", C.GoString(C.tunx_strerror(r)))
}

// Backends for CreateTUNBackend.
const (
	BackendAuto = C.TUNX_BACKEND_AUTO
	BackendTunx = C.TUNX_BACKEND_TUNX
	BackendTun  = C.TUNX_BACKEND_TUN
)

// CreateTUN opens a device like tun.CreateTUN: backend AUTO (tunx, else
// /dev/net/tun), name may be a pattern ("wg%d").
func CreateTUN(name string, mtu int) (*Device, error) {
	return CreateTUNBackend(name, mtu, BackendAuto)
}

// CreateTUNBackend is CreateTUN with a chosen backend.
func CreateTUNBackend(name string, mtu int, backend int) (*Device, error) {
	var cfg C.struct_tunx_config
	var diag C.struct_tunx_diag
	var d *C.struct_tunx_device

	C.tunx_config_init(&cfg)
	cfg.backend = uint32(backend)
	cname := C.CString(name)
	defer C.free(unsafe.Pointer(cname))
	cfg.name = cname
	cfg.mtu = C.uint(mtu)
	if r := C.tunx_open(&d, &cfg, &diag); r < 0 {
		return nil, fmt.Errorf("tunx: %s", C.GoString(&diag.message[0]))
	}
	return wrap(d), nil
}

// CreateTUNFromFile adopts a tun descriptor a supervisor attached (the
// Device owns it on success).
func CreateTUNFromFile(file *os.File, mtu int) (*Device, error) {
	var cfg C.struct_tunx_config
	var diag C.struct_tunx_diag
	var d *C.struct_tunx_device

	C.tunx_config_init(&cfg)
	cfg.mtu = C.uint(mtu)
	fd, err := dupFd(file)
	if err != nil {
		return nil, err
	}
	if r := C.tunx_open_fd(&d, C.int(fd), &cfg, &diag); r < 0 {
		closeFd(fd)
		return nil, fmt.Errorf("tunx: %s", C.GoString(&diag.message[0]))
	}
	file.Close()
	return wrap(d), nil
}

// NewPipe makes two connected in-memory devices (gonnect Pipe): what one
// writes the other reads.  For tests and in-process plumbing.
func NewPipe() (*Device, *Device, error) {
	var a, b *C.struct_tunx_device

	if r := C.tunx_pipe_open(&a, &b, nil); r < 0 {
		return nil, nil, errno(r)
	}
	return wrap(a), wrap(b), nil
}

func wrap(d *C.struct_tunx_device) *Device {
	t := &Device{
		dev:    d,
		events: make(chan tun.Event, 10),
		mro:    int(C.tunx_min_read_offset(d)),
		mwo:    int(C.tunx_min_write_offset(d)),
		evDone: make(chan struct{}),
	}
	t.rbuf = C.malloc(C.size_t(t.mro + maxPacket))
	size := t.mwo + maxPacket
	t.wpool.New = func() interface{} { return C.malloc(C.size_t(size)) }
	go t.eventLoop()
	return t
}

// enter holds the device alive for one call into C.
func (t *Device) enter() bool {
	t.mu.RLock()
	if t.closed {
		t.mu.RUnlock()
		return false
	}
	return true
}

func (t *Device) eventLoop() {
	defer close(t.evDone)
	defer close(t.events)
	for {
		var ev C.uint

		if !t.enter() {
			return
		}
		r := C.go_event_wait(t.dev, &ev)
		t.mu.RUnlock()
		if r != 1 {
			return // shut down (or broken): the channel closes
		}
		t.events <- tun.Event(ev)
	}
}

// Read reads one packet into buf[offset:] (libtunx keeps the rest of a
// batch or super-packet for the next call).
func (t *Device) Read(buf []byte, offset int) (int, error) {
	if !t.enter() {
		return 0, ErrClosed
	}
	defer t.mu.RUnlock()
	t.rmu.Lock()
	defer t.rmu.Unlock()
	var n C.size_t

	r := C.go_read1(t.dev, (*C.uint8_t)(t.rbuf), C.size_t(t.mro+maxPacket),
		C.size_t(t.mro), &n)
	if r < 0 {
		return 0, errno(r)
	}
	if int(n) > len(buf)-offset {
		return 0, errors.New("tunx: packet larger than the read buffer")
	}
	return copy(buf[offset:], C.GoBytes(unsafe.Pointer(uintptr(t.rbuf)+uintptr(t.mro)), C.int(n))), nil
}

// Write writes buf[offset:] as one packet; safe from many goroutines.
func (t *Device) Write(buf []byte, offset int) (int, error) {
	pkt := buf[offset:]
	if len(pkt) > maxPacket {
		return 0, errors.New("tunx: packet larger than 65535 bytes")
	}
	if !t.enter() {
		return 0, ErrClosed
	}
	defer t.mu.RUnlock()
	cbuf := t.wpool.Get().(unsafe.Pointer)
	defer t.wpool.Put(cbuf)
	if len(pkt) > 0 {
		C.memcpy(unsafe.Pointer(uintptr(cbuf)+uintptr(t.mwo)), unsafe.Pointer(&pkt[0]), C.size_t(len(pkt)))
	}
	r := C.go_write1(t.dev, (*C.uint8_t)(cbuf), C.size_t(len(pkt)), C.size_t(t.mwo))
	if r < 0 {
		return 0, errno(r)
	}
	return len(buf), nil
}

// Flush is a no-op: writes are not buffered.
func (t *Device) Flush() error { return nil }

// Backend names the backend in use and why ("tunx: ...", "tun: ...").
func (t *Device) Backend() string {
	if !t.enter() {
		return "closed"
	}
	defer t.mu.RUnlock()
	return C.GoString(C.tunx_backend_reason(t.dev))
}

// File returns nil: a tunx device has no single file to hand out.
func (t *Device) File() *os.File { return nil }

// MTU reports the link's current MTU.
func (t *Device) MTU() (int, error) {
	if !t.enter() {
		return 0, ErrClosed
	}
	defer t.mu.RUnlock()
	r := C.tunx_mtu(t.dev)
	if r < 0 {
		return 0, errno(r)
	}
	return int(r), nil
}

// Name reports the interface name.
func (t *Device) Name() (string, error) {
	var buf [C.IFNAMSIZ + 1]C.char

	if !t.enter() {
		return "", ErrClosed
	}
	defer t.mu.RUnlock()
	if r := C.tunx_name(t.dev, &buf[0], C.size_t(len(buf))); r < 0 {
		return "", errno(r)
	}
	return C.GoString(&buf[0]), nil
}

// Events delivers Up, Down and MTUUpdate; Close closes it.
func (t *Device) Events() chan tun.Event { return t.events }

// Close wakes blocked calls (they return ErrClosed), closes the events
// channel, and frees the device once no call is inside it.  Idempotent.
func (t *Device) Close() error {
	t.closeMu.Lock()
	defer t.closeMu.Unlock()
	t.mu.RLock()
	if t.closed {
		t.mu.RUnlock()
		return nil
	}
	C.tunx_shutdown(t.dev) // wakes every call; async-signal-safe
	t.mu.RUnlock()
	t.mu.Lock() // waits for the calls inside C to return
	t.closed = true
	C.tunx_close(t.dev)
	t.dev = nil
	C.free(t.rbuf)
	t.wpool.New = nil // no writer is inside: free what the pool holds
	for p := t.wpool.Get(); p != nil; p = t.wpool.Get() {
		C.free(p.(unsafe.Pointer))
	}
	t.mu.Unlock()
	for {
		select {
		case <-t.evDone:
			return nil
		case <-t.events: // a reader-less channel must not block the loop
		}
	}
}
