package config

import (
	"fmt"
	"maps"
	"reflect"
	"slices"
)

// Change is one key whose effective value differs between two configs.
type Change struct {
	Key      string // dotted key path; "profile" for the chosen profile
	Old, New string // formatted values
	Effect   Effect // what applying it live takes
}

// Effects joins the effects of changes.
func Effects(changes []Change) Effect {
	var e Effect
	for _, c := range changes {
		e |= c.Effect
	}
	return e
}

// String says what changed: `port: 8000 → 9000`.
func (c Change) String() string { return fmt.Sprintf("%s: %s → %s", c.Key, c.Old, c.New) }

// Diff lists the keys whose values differ between old and new, in key table
// order. app.env is compared entry by entry. A nil old counts every key of new
// as changed from nothing; a process that one of them lacks has its keys
// "(unset)" there.
func Diff(old, new *Config) []Change {
	if old == nil {
		old = &Config{}
	}
	var out []Change
	if old.Root != new.Root {
		// Every path is relative to the root.
		out = append(out, Change{Key: "root", Old: formatValue(old.Root), New: formatValue(new.Root), Effect: EffectRestart | EffectRewatch | EffectReload})
	}
	if old.Profile != new.Profile {
		// The app sees it as DEVSERVER_PROFILE.
		out = append(out, Change{Key: "profile", Old: formatValue(old.Profile), New: formatValue(new.Profile), Effect: EffectRestart})
	}
	var both []string
	for _, n := range new.ProcessNames() {
		if _, ok := old.Processes[n]; ok {
			both = append(both, n)
		}
	}
	for _, k := range keysFor(both) {
		a, b := old.Get(k.Name), new.Get(k.Name)
		if k.Kind == KindMap {
			for _, c := range DiffMap(k.Name, a.(map[string]string), b.(map[string]string)) {
				c.Effect = k.Effect
				out = append(out, c)
			}
			continue
		}
		if !equalValue(a, b) {
			out = append(out, Change{Key: k.Name, Old: formatValue(a), New: formatValue(b), Effect: k.Effect})
		}
	}
	return append(out, diffProcesses(old, new)...)
}

// diffProcesses lists the processes that one of old and new lacks, each as
// one change of "processes.NAME" with its command.
func diffProcesses(old, new *Config) []Change {
	names := old.ProcessNames()
	for _, n := range new.ProcessNames() {
		if _, ok := old.Processes[n]; !ok {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	var out []Change
	for _, name := range names {
		a, inOld := old.Processes[name]
		b, inNew := new.Processes[name]
		switch {
		case !inOld:
			out = append(out, Change{Key: "processes." + name, Old: "(none)", New: "run " + formatValue(b.Run), Effect: processChange})
		case !inNew:
			out = append(out, Change{Key: "processes." + name, Old: "run " + formatValue(a.Run), New: "(none)", Effect: processChange})
		}
	}
	return out
}

// processChange is the effect of a process that comes or goes: its globs
// join or leave what is watched.
const processChange = EffectProcesses | EffectRewatch

// DiffMap lists the entries of two maps that differ, as changes of
// "name.ENTRY", sorted by entry; "(unset)" stands for a missing one. It
// leaves Effect unset: the caller knows what the map is for.
func DiffMap(name string, a, b map[string]string) []Change {
	var out []Change
	names := slices.Sorted(maps.Keys(a))
	for n := range b {
		if _, ok := a[n]; !ok {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	for _, n := range names {
		av, inA := a[n]
		bv, inB := b[n]
		switch {
		case !inA:
			out = append(out, Change{Key: name + "." + n, Old: "(unset)", New: formatValue(bv)})
		case !inB:
			out = append(out, Change{Key: name + "." + n, Old: formatValue(av), New: "(unset)"})
		case av != bv:
			out = append(out, Change{Key: name + "." + n, Old: formatValue(av), New: formatValue(bv)})
		}
	}
	return out
}

// equalValue compares two values of one key; a nil and an empty list are
// equal.
func equalValue(a, b any) bool {
	if la, ok := a.([]string); ok {
		lb, _ := b.([]string)
		return slices.Equal(la, lb)
	}
	return reflect.DeepEqual(a, b)
}
