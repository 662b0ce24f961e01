package reload

import (
	"log/slog"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/devserver/devserver/internal/testrig/lockedbuf"
	"github.com/devserver/devserver/internal/testrig/testkit"
)

// TestCrashRestartsBackOff: an app that exits with status 3 at once is,
// under on-failure, started again after waits that double (0.5s, 1s, 2s):
// the log says each wait as it grows. Under change it is
// started once and waits for a change.
func TestCrashRestartsBackOff(t *testing.T) {
	t.Parallel() // seconds of waiting: beside the others
	log := &lockedbuf.Buffer{}
	h := start(t, "exit3", func(o *Options) {
		o.Restart, o.Logger = RestartOnFailure, slog.New(slog.NewTextHandler(log, nil))
	})
	testkit.WaitFor(t, 20*time.Second, "four starts", func() bool { return len(testkit.Pids(t, h.pidfile)) >= 4 })
	waits := regexp.MustCompile(`app restarts in (\S+) \(restart: on-failure\)`).FindAllStringSubmatch(log.String(), -1)
	if len(waits) < 3 || waits[0][1] != "500ms" || waits[1][1] != "1s" || waits[2][1] != "2s" {
		t.Errorf("waits %v, want 500ms, 1s, 2s:\n%s", waits, log)
	}

	once := start(t, "exit3", nil)
	testkit.WaitFor(t, 20*time.Second, "the first start", func() bool { return len(testkit.Pids(t, once.pidfile)) == 1 })
	if f := once.failure(t); f.exitIfAny() == nil || f.exit.code != 3 {
		t.Errorf("the failure %+v does not say the app exited with 3", f)
	}
	once.sup.Restart() // a change: one more start, no more
	testkit.WaitFor(t, 20*time.Second, "the second start", func() bool { return len(testkit.Pids(t, once.pidfile)) == 2 })
}

// TestBackoff: waits double up to 30s, and a unit that stayed up 30s
// starts from the first again; on-failure leaves a clean exit alone,
// always does not; change and never restart for no exit.
func TestBackoff(t *testing.T) {
	var c crashes
	crash := &exit{code: 1, known: true}
	var got []time.Duration
	for range 8 {
		d, ok := c.delay(RestartOnFailure, crash)
		if !ok {
			t.Fatal("on-failure did not restart after status 1")
		}
		got = append(got, d)
	}
	want := []time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 16 * time.Second, 30 * time.Second, 30 * time.Second}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("waits %v, want %v", got, want)
		}
	}
	if d, _ := c.delay(RestartOnFailure, &exit{code: 1, known: true, up: time.Minute}); d != firstBackoff {
		t.Errorf("after a minute up the wait is %s, want %s", d, firstBackoff)
	}
	clean := &exit{code: 0, known: true}
	for policy, want := range map[string]bool{RestartOnFailure: false, RestartAlways: true, RestartChange: false, RestartNever: false, "": false} {
		if _, ok := (&crashes{}).delay(policy, clean); ok != want {
			t.Errorf("%q after a clean exit: restart %v, want %v", policy, ok, want)
		}
	}
	if _, ok := (&crashes{}).delay(RestartOnFailure, &exit{known: false}); !ok {
		t.Error("on-failure did not restart after a kill by a signal")
	}
}

// TestTheLogSaysTheError: a failure's line in the terminal carries the
// error's message, as the error page's title does.
func TestTheLogSaysTheError(t *testing.T) {
	log := &lockedbuf.Buffer{}
	h := start(t, "serve", func(o *Options) {
		o.Build, o.Logger = "echo ./main.go:3:5: undefined: thing && exit 2", slog.New(slog.NewTextHandler(log, nil))
	})
	h.failure(t)
	if !strings.Contains(log.String(), `msg="build failed" component=app status="exit status 2" error="undefined: thing"`) {
		t.Errorf("the log:\n%s", log)
	}
}
