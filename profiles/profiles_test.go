package profiles

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func set(pairs ...string) Set {
	s := Set{}
	for i := 0; i+1 < len(pairs); i += 2 {
		s[pairs[i]] = Profile{Name: pairs[i], Extends: pairs[i+1]}
	}
	return s
}

func TestChain(t *testing.T) {
	s := set("base2", "", "lan", "base2", "ci", "lan")
	tests := []struct {
		name string
		want []string
	}{
		{"", nil},
		{"base2", []string{"base2"}},
		{"lan", []string{"base2", "lan"}},
		{"ci", []string{"base2", "lan", "ci"}},
	}
	for _, tt := range tests {
		got, err := s.Chain(tt.name)
		if err != nil {
			t.Errorf("Chain(%q): %v", tt.name, err)
			continue
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("Chain(%q) (-want +got):\n%s", tt.name, diff)
		}
	}
}

func TestChainErrors(t *testing.T) {
	s := set("a", "b", "b", "c", "c", "a", "self", "self", "lost", "nowhere", "ok", "")
	_, err := s.Chain("a")
	var ce *CycleError
	var ee *ExtendsError
	if !errors.As(err, &ce) || !errors.As(err, &ee) {
		t.Fatalf("Chain(a) = %v, want a cycle", err)
	}
	if got, want := err.Error(), "extends cycle a -> b -> c -> a"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if ee.From != "c" {
		t.Errorf("cycle reported from %q, want c (whose extends closes it)", ee.From)
	}
	if _, err := s.Chain("self"); err == nil || err.Error() != "extends cycle self -> self" {
		t.Errorf("self extends: %v", err)
	}
	_, err = s.Chain("lost")
	var ue *UnknownError
	if !errors.As(err, &ue) || ue.Name != "nowhere" || !errors.As(err, &ee) || ee.From != "lost" {
		t.Errorf("unknown extends: %v", err)
	}
	_, err = s.Chain("missing")
	if !errors.As(err, &ue) || err.Error() != `unknown profile "missing" (profiles: a, b, c, lost, ok, self)` {
		t.Errorf("unknown profile: %v", err)
	}
	if got := (&UnknownError{Name: "x"}).Error(); got != `unknown profile "x" (no profiles are defined)` {
		t.Errorf("no profiles: %q", got)
	}
}

func TestCheckReportsEachProblemOnce(t *testing.T) {
	s := set("a", "b", "b", "c", "c", "a", "self", "self", "lost", "nowhere", "ok", "")
	var got []string
	for _, e := range s.Check() {
		got = append(got, e.From+": "+e.Error())
	}
	want := []string{
		"c: extends cycle a -> b -> c -> a",
		"lost: unknown profile \"nowhere\" (profiles: a, b, c, lost, ok, self)",
		"self: extends cycle self -> self",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestSelect(t *testing.T) {
	none := Choice{}
	tests := []struct {
		flag, env, overlay, file Choice
		want                     string
		from                     Source
	}{
		{none, none, none, none, "", FromNone},
		{none, none, none, Choice{"lan", true}, "lan", FromFile},
		{none, none, Choice{"mine", true}, Choice{"lan", true}, "mine", FromOverlay},
		{none, Choice{"ci", true}, Choice{"mine", true}, Choice{"lan", true}, "ci", FromEnv},
		{Choice{"dev", true}, Choice{"ci", true}, none, Choice{"lan", true}, "dev", FromFlag},
		// Set to empty on purpose: the base alone, even though the file names one.
		{none, Choice{"", true}, none, Choice{"lan", true}, "", FromEnv},
	}
	for i, tt := range tests {
		got, from := Select(tt.flag, tt.env, tt.overlay, tt.file)
		if got != tt.want || from != tt.from {
			t.Errorf("case %d: Select = %q, %v; want %q, %v", i, got, from, tt.want, tt.from)
		}
	}
}

func TestValidName(t *testing.T) {
	for _, ok := range []string{"lan", "ci", "Staging", "my-profile", "v2_beta", "9"} {
		if p := ValidName(ok); p != "" {
			t.Errorf("ValidName(%q) = %q, want ok", ok, p)
		}
	}
	for _, bad := range []string{"", "a.b", "-x", "with space", "ünï"} {
		if ValidName(bad) == "" {
			t.Errorf("ValidName(%q) accepted it", bad)
		}
	}
}
