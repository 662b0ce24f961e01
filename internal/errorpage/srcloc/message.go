package srcloc

import (
	"regexp"
	"strings"
)

// messages find the line a person reads first in a failure's output, by
// stack, each with the group that is the message. Order matters: a Python
// traceback's last line comes before Node's first error line, which a
// traceback may also hold.
var messages = []struct {
	re   *regexp.Regexp
	last bool // the last match counts (Python prints the exception last)
}{
	// Python: KeyError: 'x' · SyntaxError: '(' was never closed · django.core.exceptions.ImproperlyConfigured: ...
	{regexp.MustCompile(`^((?:[A-Za-z_]\w*\.)*[A-Za-z_]\w*(?:Error|Exception|Exit|Interrupt|Warning|Configured|DoesNotExist)(?::\s.*)?)$`), true},
	// Go's compiler and vet: ./main.go:12:5: undefined: thing
	{regexp.MustCompile(`^\S+\.go:\d+(?::\d+)?: (.+)$`), false},
	// Go at run time: panic: runtime error: ... · fatal error: ...
	{regexp.MustCompile(`^((?:panic|fatal error): .+)$`), false},
	// tsc: src/app.ts(12,5): error TS2304: Cannot find name 'x'.
	{regexp.MustCompile(`\(\d+,\d+\): (error TS\d+: .+)$`), false},
	// esbuild and Vite: ✘ [ERROR] Could not resolve "x"
	{regexp.MustCompile(`\[ERROR\] (.+)$`), false},
	// Ruby: app.rb:5:in 'foo': undefined local variable ... (NameError) · app.rb:5: syntax error ...
	{regexp.MustCompile(`^\S+\.rb:\d+:(?:in [^:]+: )?(.+)$`), false},
}

// nodeError is Node's thrown error, the line before its stack: TypeError:
// x is not a function · Error [ERR_MODULE_NOT_FOUND]: Cannot find module.
var nodeError = regexp.MustCompile(`^((?:[A-Z]\w*)?Error(?: \[\w+\])?: .+)$`)

// maxMessage bounds a message's length, as a title.
const maxMessage = 300

// Message returns the error message in output (without colours) that a
// person would read first: Python's exception line, Go's first compiler
// error or its panic, Node's thrown error, tsc's and esbuild's message,
// Ruby's; "" when none is recognised.
func Message(output string) string {
	lines := strings.Split(output, "\n")
	if len(lines) > 5000 {
		lines = lines[len(lines)-5000:] // the message is near the end of a long output
	}
	for i := range lines {
		lines[i] = strings.TrimRight(lines[i], "\r")
	}
	if strings.Contains(output, "Traceback (most recent call last)") || strings.Contains(output, `  File "`) {
		if m := find(lines, messages[0].re, true); m != "" {
			return cut(m)
		}
	}
	if m := find(lines, nodeError, false); m != "" && strings.Contains(output, "    at ") {
		return cut(m)
	}
	for _, m := range messages[1:] {
		if msg := find(lines, m.re, m.last); msg != "" {
			return cut(msg)
		}
	}
	return cut(find(lines, nodeError, false))
}

// find returns the first (or last) match's group of re in lines.
func find(lines []string, re *regexp.Regexp, last bool) string {
	found := ""
	for _, l := range lines {
		if m := re.FindStringSubmatch(l); m != nil {
			if !last {
				return strings.TrimSpace(m[1])
			}
			found = strings.TrimSpace(m[1])
		}
	}
	return found
}

func cut(s string) string {
	if len(s) > maxMessage {
		return s[:maxMessage] + " …"
	}
	return s
}

// Column returns the column (1-based) a caret line in output marks under
// the code line of loc (text, as the file holds it), as Python and Node
// print one; 0 when there is none.
func Column(output, text string) int {
	code := strings.TrimSpace(text)
	if code == "" {
		return 0
	}
	lines := strings.Split(output, "\n")
	for i := 0; i+1 < len(lines); i++ {
		printed := strings.TrimRight(lines[i], "\r")
		if strings.TrimSpace(printed) != code {
			continue
		}
		caret := strings.TrimRight(lines[i+1], "\r")
		at := strings.IndexByte(caret, '^')
		if at < 0 || strings.Trim(caret, " ^~") != "" {
			continue
		}
		start := len(printed) - len(strings.TrimLeft(printed, " \t"))
		indent := len(text) - len(strings.TrimLeft(text, " \t"))
		if col := at - start + indent + 1; col >= 1 && col <= len(text)+1 {
			return col
		}
	}
	return 0
}
