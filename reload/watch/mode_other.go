//go:build !linux && !windows

package watch

// remoteFS is not asked where auto always polls.
func remoteFS(string) (string, bool) { return "", false }
