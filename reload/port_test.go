package reload

import "testing"

// TestPortIsPutInForCmd: $PORT and ${PORT} become the port for cmd.exe,
// which does not expand them; other names and commands without a PORT
// stay as written.
func TestPortIsPutInForCmd(t *testing.T) {
	env := []string{"PATH=x", "PORT=1234"}
	for command, want := range map[string]string{
		"python manage.py runserver 127.0.0.1:$PORT": "python manage.py runserver 127.0.0.1:1234",
		"uvicorn app:app --port ${PORT} --reload":    "uvicorn app:app --port 1234 --reload",
		"echo $PORTS $PORT_X %PORT% $PORT.":          "echo $PORTS $PORT_X %PORT% 1234.",
	} {
		if got := expandPort(command, env); got != want {
			t.Errorf("expandPort(%q) = %q, want %q", command, got, want)
		}
	}
	if got := expandPort("go build -o $PORT", []string{"PATH=x"}); got != "go build -o $PORT" {
		t.Errorf("a command without PORT became %q", got)
	}
}
