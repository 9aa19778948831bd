// SPDX-License-Identifier: LGPL-2.1-or-later

package tunx

import (
	"os"
	"syscall"
)

func dupFd(f *os.File) (int, error) {
	return syscall.Dup(int(f.Fd()))
}

func closeFd(fd int) { syscall.Close(fd) }
