package prefixed

import (
	"bytes"
	"testing"
)

func TestEveryLineGetsThePrefixOnce(t *testing.T) {
	var out bytes.Buffer
	w := New(&out, "css | ")
	for _, s := range []string{"one\ntw", "o\n", "", "three\nfour", "\n\n"} {
		if n, err := w.Write([]byte(s)); n != len(s) || err != nil {
			t.Fatalf("Write(%q) = %d, %v", s, n, err)
		}
	}
	w.SetPrefix("")
	w.Write([]byte("plain\n"))
	w.SetPrefix("app | ")
	w.Write([]byte("last"))
	want := "css | one\ncss | two\ncss | three\ncss | four\ncss | \nplain\napp | last"
	if out.String() != want {
		t.Errorf("got\n%q\nwant\n%q", out.String(), want)
	}
}

// TestOneWriteIsOneWrite: lines of several Writers sharing one output do
// not mix within a write.
func TestOneWriteIsOneWrite(t *testing.T) {
	var calls int
	w := New(writerFunc(func(b []byte) (int, error) { calls++; return len(b), nil }), "x | ")
	w.Write([]byte("a\nb\nc\n"))
	if calls != 1 {
		t.Errorf("%d writes below for one above", calls)
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(b []byte) (int, error) { return f(b) }
