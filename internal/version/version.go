// Package version is devserver's version: stamped into a release, the
// module's version under go install, or (devel) in a checkout.
package version

import (
	"fmt"
	"runtime"
	"runtime/debug"
)

// stamp is set at build time with
// -ldflags "-X github.com/devserver/devserver/internal/version.stamp=v1.2.3".
var stamp = ""

// String is the version: the stamp, else the module's version when built
// by go install ...@vX.Y.Z, else (devel).
func String() string {
	if stamp != "" {
		return stamp
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "(devel)"
}

// Line is what `devserver version` prints: the version, the Go it was
// built with and the OS and architecture it was built for.
func Line() string {
	return fmt.Sprintf("devserver %s %s %s/%s", String(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
}
