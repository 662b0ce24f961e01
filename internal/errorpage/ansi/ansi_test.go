package ansi

import "testing"

func TestHTMLAndStrip(t *testing.T) {
	for _, c := range []struct{ in, html, text string }{
		{"\x1b[31mError:\x1b[0m <x> & y", `<span style="color:#c0392b">Error:</span> &lt;x&gt; &amp; y`, "Error: <x> & y"},
		{"\x1b[1;91mboom\x1b[22m!\x1b[m", `<span style="color:#e74c3c;font-weight:bold">boom</span><span style="color:#e74c3c">!</span>`, "boom!"},
		{"a\x1b[2Kb\x1b]0;title\x07c\x1b]8;;http://x\x1b\\d", "abcd", "abcd"},
		{"\x1b[38;5;9mred\x1b[39m \x1b[38;2;1;2;300mrgb\x1b[0m", `<span style="color:#e74c3c">red</span> <span style="color:rgb(1,2,255)">rgb</span>`, "red rgb"},
		{"cut \x1b[3", "cut ", "cut "},
	} {
		if got := HTML(c.in); got != c.html {
			t.Errorf("HTML(%q) = %q, want %q", c.in, got, c.html)
		}
		if got := Strip(c.in); got != c.text {
			t.Errorf("Strip(%q) = %q, want %q", c.in, got, c.text)
		}
	}
}
