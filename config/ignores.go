package config

// defaultIgnores are what watch.ignore leaves out by default, each with the
// reason: version control, dependencies, and what apps and their tools
// write as they run, whose change would restart the app that wrote it (a
// loop). A name matches at any depth; one that starts with "/" only at the
// project root, where a name as common as log or tmp is the app's output
// and not a package of the code (internal/log).
var defaultIgnores = []struct{ glob, why string }{
	{".git", "version control"},
	{"node_modules", "dependencies (npm, yarn, pnpm; Vite's cache node_modules/.vite with them)"},
	{".devserver", "devserver's own state (its local CA, the control channel)"},
	{".venv", "a Python virtual environment"},
	{"__pycache__", "Python bytecode, written at each import"},
	{"*.pyc", "Python bytecode"},
	{"*.pyo", "Python bytecode"},
	{"*.sqlite3", "a SQLite database (Django's db.sqlite3), written by requests"},
	{"*.sqlite3-journal", "SQLite's journal, written by every transaction"},
	{"*.sqlite3-wal", "SQLite's write-ahead log"},
	{"*.sqlite3-shm", "SQLite's shared memory file"},
	{"*.db-journal", "SQLite's journal of a *.db database"},
	{".DS_Store", "macOS Finder's folder settings"},
	{"*.log", "log files, which an app writes at every request"},
	{"/log", "Rails' log directory, and any app's log directory at the root"},
	{"/logs", "a logs directory at the root (Express request logs, pm2)"},
	{"/tmp", "Rails' tmp (caches, pids, sockets) and any app's scratch directory at the root"},
	{".cache", "tools' caches (Babel, ESLint, Gatsby and others)"},
	{"/coverage", "test coverage reports"},
	{".next", "Next.js's build and cache, rewritten by next dev"},
	{".nuxt", "Nuxt's build, rewritten by nuxt dev"},
	{".svelte-kit", "SvelteKit's generated files, rewritten by vite dev"},
	{".parcel-cache", "Parcel's cache"},
	{".pytest_cache", "pytest's cache, written by each test run"},
	{".mypy_cache", "mypy's cache"},
	{".ruff_cache", "Ruff's cache"},
	{"/target", "Rust's (cargo) and Maven's build output"},
}

// defaultIgnoreGlobs are the globs of defaultIgnores, watch.ignore's
// default.
func defaultIgnoreGlobs() []string {
	out := make([]string, len(defaultIgnores))
	for i, d := range defaultIgnores {
		out[i] = d.glob
	}
	return out
}
