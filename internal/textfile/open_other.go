//go:build !unix

package textfile

// openNonblock is not needed where opens do not block on named pipes.
const openNonblock = 0
