package watch

import "os"

// fileID is 0 on Windows: the file index needs a handle to each file, an
// open per file and poll, which a directory listing does not give; size
// and time stand alone there.
func fileID(os.FileInfo) uint64 { return 0 }
