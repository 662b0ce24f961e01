package qrterm

import (
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"rsc.io/qr"
)

// modules reads drawn text back into rows of modules, true for light.
func modules(t *testing.T, drawn string) [][]bool {
	t.Helper()
	var rows [][]bool
	for line := range strings.SplitSeq(strings.TrimSuffix(drawn, "\n"), "\n") {
		var top, bottom []bool
		for _, r := range line {
			switch r {
			case '█':
				top, bottom = append(top, true), append(bottom, true)
			case '▀':
				top, bottom = append(top, true), append(bottom, false)
			case '▄':
				top, bottom = append(top, false), append(bottom, true)
			case ' ':
				top, bottom = append(top, false), append(bottom, false)
			default:
				t.Fatalf("unexpected %q in %q", r, line)
			}
		}
		rows = append(rows, top, bottom)
	}
	return rows
}

const url = "http://192.168.1.23:8000/"

// TestDrawsTheCode: what is printed is the code's modules, light quiet zone
// included, two rows a line.
func TestDrawsTheCode(t *testing.T) {
	var b strings.Builder
	if err := Write(&b, url); err != nil {
		t.Fatal(err)
	}
	code, _ := qr.Encode(url, qr.M)
	rows := modules(t, b.String())
	side := code.Size + 2*quiet
	if len(rows) < side || len(rows[0]) != side {
		t.Fatalf("drawn %d×%d, want %d×%d", len(rows[0]), len(rows), side, side)
	}
	for y := range side {
		for x := range side {
			want := x < quiet || y < quiet || x >= quiet+code.Size || y >= quiet+code.Size || !code.Black(x-quiet, y-quiet)
			if rows[y][x] != want {
				t.Fatalf("module (%d,%d): light=%v, want %v", x, y, rows[y][x], want)
			}
		}
	}
}

// TestAScannerReadsIt: the printed text, shown as a dark terminal shows it
// (light blocks on a dark background), decodes to the URL with zbarimg.
func TestAScannerReadsIt(t *testing.T) {
	zbar, err := exec.LookPath("zbarimg")
	if err != nil {
		t.Skip("zbarimg (Debian: zbar-tools) is not installed: cannot scan the printed code")
	}
	var b strings.Builder
	if err := Write(&b, url); err != nil {
		t.Fatal(err)
	}
	rows := modules(t, b.String())
	const scale, border = 6, 8 // pixels per module; dark terminal around the code
	w, h := (len(rows[0])+2*border)*scale, (len(rows)+2*border)*scale
	img := image.NewGray(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			mx, my := x/scale-border, y/scale-border
			if my >= 0 && my < len(rows) && mx >= 0 && mx < len(rows[my]) && rows[my][mx] {
				img.SetGray(x, y, color.Gray{Y: 230})
			} else {
				img.SetGray(x, y, color.Gray{Y: 20})
			}
		}
	}
	file := filepath.Join(t.TempDir(), "terminal.png")
	f, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
	f.Close()
	out, err := exec.Command(zbar, "--raw", "-q", file).Output()
	if got := strings.TrimSpace(string(out)); err != nil || got != url {
		t.Errorf("zbarimg read %q (%v), want %q", got, err, url)
	}
}
