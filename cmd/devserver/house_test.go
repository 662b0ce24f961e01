package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// House rules, as make test runs them (STYLE.md says why):
const (
	maxFuncLines = 60  // unless its doc comment says it is one linear story
	maxFileLines = 500 // non-test files
	// maxCmdLines holds cmd/devserver where it is while the house re-sort
	// takes it to 600: it may shrink, never grow.
	maxCmdLines = 806
)

// TestHouseRules: no non-test function over maxFuncLines lines unless its
// doc comment calls it a linear story, no non-test file over
// maxFileLines, cmd/devserver within maxCmdLines, and every file a
// package's doc comment names exists.
func TestHouseRules(t *testing.T) {
	t.Parallel()
	root := filepath.Join("..", "..")
	cmdLines := 0
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || d.Name() == "node_modules" || strings.HasPrefix(d.Name(), ".") && path != root) {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ParseComments)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		lines := fset.Position(f.End()).Line
		if lines > maxFileLines {
			t.Errorf("%s: %d lines, over %d", rel, lines, maxFileLines)
		}
		if filepath.Dir(rel) == filepath.Join("cmd", "devserver") {
			cmdLines += lines
		}
		checkFuncs(t, fset, rel, f)
		checkDocMentions(t, path, rel, f)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if cmdLines > maxCmdLines {
		t.Errorf("cmd/devserver: %d non-test lines, over %d", cmdLines, maxCmdLines)
	}
	t.Logf("cmd/devserver: %d non-test lines (goal 600)", cmdLines)
}

func checkFuncs(t *testing.T, fset *token.FileSet, rel string, f *ast.File) {
	t.Helper()
	for _, decl := range f.Decls {
		fn, ok := decl.(*ast.FuncDecl)
		if !ok || fn.Body == nil {
			continue
		}
		n := fset.Position(fn.End()).Line - fset.Position(fn.Pos()).Line + 1
		if n > maxFuncLines && !strings.Contains(fn.Doc.Text(), "linear story") {
			t.Errorf("%s: func %s is %d lines, over %d (or say in its doc comment why it is one linear story)", rel, fn.Name.Name, n, maxFuncLines)
		}
	}
}

// goFile is a file name in a doc comment: "supervisor.go", "tree*.go",
// "proc_*.go".
var goFile = regexp.MustCompile(`\b[a-z][a-z0-9_]*\*?(?:_\*)?\.go\b`)

func checkDocMentions(t *testing.T, path, rel string, f *ast.File) {
	t.Helper()
	if f.Doc == nil || !strings.HasPrefix(f.Doc.Text(), "Package ") && !strings.HasPrefix(f.Doc.Text(), "Command ") {
		return
	}
	for _, name := range goFile.FindAllString(f.Doc.Text(), -1) {
		matches, _ := filepath.Glob(filepath.Join(filepath.Dir(path), name))
		if len(matches) == 0 {
			t.Errorf("%s: the package doc names %s, which is not there", rel, name)
		}
	}
}

// TestArchitectureArrowsAreImports: each arrow of docs/ARCHITECTURE.md's
// package map ("├──► config" under session, "▼" from cmd to session) is an
// import go list sees, so the drawing cannot drift from the code.
func TestArchitectureArrowsAreImports(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("runs go list")
	}
	doc, err := os.ReadFile("../../docs/ARCHITECTURE.md")
	if err != nil {
		t.Fatal(err)
	}
	_, block, _ := strings.Cut(string(doc), "```\n")
	block, _, _ = strings.Cut(block, "```")
	arrows := mapArrows(block)
	if len(arrows) < 5 {
		t.Fatalf("read %d arrows from the package map; the drawing's form changed", len(arrows))
	}
	t.Logf("the map's arrows: %v", arrows)
	const mod = "github.com/devserver/devserver/"
	for _, a := range arrows {
		out, err := exec.Command("go", "list", "-f", `{{join .Imports "\n"}}`, "../../"+a[0]).Output()
		if err != nil {
			t.Fatalf("go list %s: %v", a[0], err)
		}
		if !slices.Contains(strings.Fields(string(out)), mod+a[1]) {
			t.Errorf("docs/ARCHITECTURE.md draws %s → %s, but %s does not import %s", a[0], a[1], a[0], a[1])
		}
	}
}

// mapArrows reads the package map's arrows as [from, to] pairs: a package
// starts a line or follows "──► "; an arrow's source is the latest package
// whose name starts left of the arrow; "▼" points from the latest package
// left of it to the next package that starts a line.
func mapArrows(block string) [][2]string {
	type pkg struct {
		name string
		col  int
	}
	var seen []pkg
	var out [][2]string
	down := ""
	for line := range strings.SplitSeq(block, "\n") {
		runes := []rune(line)
		name, col := "", -1
		if len(runes) > 0 && runes[0] != ' ' {
			name, col = strings.Fields(line)[0], 0
		}
		if i := strings.Index(line, "──► "); i >= 0 {
			arrowCol := len([]rune(line[:i]))
			fields := strings.Fields(line[i+len("──► "):])
			if len(fields) == 0 {
				continue
			}
			name, col = fields[0], arrowCol+4
			for j := len(seen) - 1; j >= 0; j-- {
				if seen[j].col < arrowCol {
					out = append(out, [2]string{seen[j].name, name})
					break
				}
			}
		}
		if strings.TrimSpace(line) == "▼" {
			downCol := len([]rune(line[:strings.Index(line, "▼")]))
			for j := len(seen) - 1; j >= 0; j-- {
				if seen[j].col < downCol {
					down = seen[j].name
					break
				}
			}
		}
		if name != "" {
			if down != "" && col == 0 {
				out = append(out, [2]string{down, name})
				down = ""
			}
			seen = append(seen, pkg{name, col})
		}
	}
	return out
}
