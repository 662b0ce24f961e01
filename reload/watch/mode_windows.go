package watch

import (
	"path/filepath"

	"golang.org/x/sys/windows"
)

// remoteFS says whether path is on a network drive, where change
// notifications do not arrive for changes made elsewhere.
func remoteFS(path string) (string, bool) {
	vol := filepath.VolumeName(path)
	if vol == "" {
		return "", false
	}
	if len(vol) > 2 && (vol[0] == '\\' || vol[0] == '/') { // \\server\share
		return "a network share", true
	}
	p, err := windows.UTF16PtrFromString(vol + `\`)
	if err != nil {
		return "", false
	}
	if windows.GetDriveType(p) == windows.DRIVE_REMOTE {
		return "a network drive", true
	}
	return "", false
}
