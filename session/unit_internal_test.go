package session

import (
	"slices"
	"testing"

	"github.com/devserver/devserver/config"
	"github.com/devserver/devserver/reload"
)

// TestEveryPolicyButNeverIsWatched: a process restarted for changes under
// any policy but never has its globs watched.
func TestEveryPolicyButNeverIsWatched(t *testing.T) {
	cfg := &config.Config{Processes: map[string]config.Process{
		"a": {Watch: []string{"a/**"}, Restart: "change"},
		"b": {Watch: []string{"b/**"}, Restart: "on-failure"},
		"c": {Watch: []string{"c/**"}, Restart: "always"},
		"d": {Watch: []string{"d/**"}, Restart: "never"},
	}}
	if got := watchGlobs(cfg); !slices.Equal(got, []string{"a/**", "b/**", "c/**"}) {
		t.Errorf("watched %v", got)
	}
}

// TestSameRunComparesEveryOption: any option of a unit's but the session's
// own writers and callbacks makes a different run.
func TestSameRunComparesEveryOption(t *testing.T) {
	base := reload.Options{Run: "x", Env: []string{"A=1"}, After: []string{"db"}}
	other := base
	other.Port, other.Settled = 9000, func(error) {}
	if sameRun(base, other) {
		t.Error("a new port is the same run")
	}
	same := base
	same.Settled, same.Units = func(error) {}, func(string) *reload.Supervisor { return nil }
	if !sameRun(base, same) {
		t.Error("the session's callbacks made a different run")
	}
}
