package watch

import "runtime"

// chooseMode is watch.mode auto: native events when every root is on a
// local disk of a system whose events scale, polling otherwise, and why.
func chooseMode(roots []string) (mode, why string) {
	if runtime.GOOS != "linux" && runtime.GOOS != "windows" {
		// kqueue needs a descriptor for every file watched.
		return ModePoll, "kqueue on " + runtime.GOOS + " needs a file descriptor per file"
	}
	for _, r := range roots {
		if fs, remote := remoteFS(r); remote {
			return ModePoll, r + " is on " + fs
		}
	}
	return ModeEvents, "local disk"
}
