package watch

import "golang.org/x/sys/unix"

// remoteFS says whether the filesystem holding path is one where file
// events do not arrive for changes made elsewhere (a network or shared
// filesystem), and its name.
func remoteFS(path string) (string, bool) {
	var st unix.Statfs_t
	if err := unix.Statfs(path, &st); err != nil {
		return "", false
	}
	switch uint32(st.Type) {
	case unix.NFS_SUPER_MAGIC:
		return "nfs", true
	case unix.SMB_SUPER_MAGIC, unix.SMB2_SUPER_MAGIC, unix.CIFS_SUPER_MAGIC:
		return "smb", true
	case unix.V9FS_MAGIC:
		return "9p (WSL's Windows drives, VM shares)", true
	case 0x786f4256: // vboxsf
		return "vboxsf (VirtualBox shared folder)", true
	case unix.FUSE_SUPER_MAGIC:
		return "fuse (sshfs, Docker Desktop and VM shares)", true
	case 0x6a656a63: // virtiofs
		return "virtiofs (Docker Desktop and VM shares)", true
	case unix.AFS_SUPER_MAGIC, 0x73757245: // AFS, Coda
		return "a network filesystem", true
	}
	return "", false
}
