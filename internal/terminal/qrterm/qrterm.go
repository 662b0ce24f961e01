// Package qrterm draws a QR code in a terminal with Unicode half blocks, two
// rows of modules per line, so that a phone's camera can open a URL that
// devserver prints. It draws light modules as blocks and dark ones as
// blanks: on the usual dark terminal the code comes out dark on light, as
// scanners expect, with a light quiet zone around it.
package qrterm

import (
	"fmt"
	"io"
	"strings"

	"rsc.io/qr"
)

// quiet is the margin, in modules, drawn light around the code.
const quiet = 2

// Write draws text as a QR code (error correction level M) to w.
func Write(w io.Writer, text string) error {
	code, err := qr.Encode(text, qr.M)
	if err != nil {
		return fmt.Errorf("qr code for %q: %w", text, err)
	}
	light := func(x, y int) bool {
		x, y = x-quiet, y-quiet
		return x < 0 || y < 0 || x >= code.Size || y >= code.Size || !code.Black(x, y)
	}
	side := code.Size + 2*quiet
	var b strings.Builder
	for y := 0; y < side; y += 2 {
		for x := range side {
			top, bottom := light(x, y), y+1 < side && light(x, y+1)
			switch {
			case top && bottom:
				b.WriteString("█")
			case top:
				b.WriteString("▀")
			case bottom:
				b.WriteString("▄")
			default:
				b.WriteString(" ")
			}
		}
		b.WriteString("\n")
	}
	_, err = io.WriteString(w, b.String())
	return err
}
