// Command gendocs writes docs/CONFIG.md from the key table.
package main

import (
	"fmt"
	"os"

	"github.com/devserver/devserver/config"
)

func main() {
	if err := os.WriteFile("docs/CONFIG.md", []byte(config.Reference()), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "gendocs:", err)
		os.Exit(1)
	}
}
