package config

// Units are the names of what devserver runs: "app" when app.run is set,
// then the processes.
func (c *Config) Units() []string {
	var out []string
	if c.App.Run != "" {
		out = append(out, RouteApp)
	}
	return append(out, c.ProcessNames()...)
}

// Unit returns unit name as a process: the app is the unit named "app",
// with its own keys (watch.globs are its watch, watch.reload its reload),
// so that whatever runs
// units treats every one alike. The second result is false for a name that
// is no unit.
func (c *Config) Unit(name string) (Process, bool) {
	if name != RouteApp {
		p, ok := c.Processes[name]
		return p, ok
	}
	a := c.App
	return Process{Run: a.Run, Build: a.Build, Env: a.Env, EnvFile: a.EnvFile, Watch: c.Watch.Globs, Reload: c.Watch.Reload, HTTP: a.HTTP,
		ReadyPath: a.ReadyPath, ReadyLog: a.ReadyLog, ReadyCommand: a.ReadyCommand, DependsOn: a.DependsOn, Restart: a.Restart}, a.Run != ""
}

// DependsOn returns the units unit starts after.
func (c *Config) DependsOn(unit string) []string {
	u, _ := c.Unit(unit)
	return u.DependsOn
}

// UnitKey is the key of a unit's field: app.FIELD for the app,
// processes.NAME.FIELD for a process.
func UnitKey(unit, field string) string {
	if unit == RouteApp {
		return "app." + field
	}
	return "processes." + unit + "." + field
}
