// Command gendocs writes docs/CONFIG.md and docs/devserver.schema.json
// from the key table.
package main

import (
	"fmt"
	"os"

	"github.com/devserver/devserver/config"
)

func main() {
	schema, err := config.Schema()
	if err == nil {
		err = os.WriteFile("docs/devserver.schema.json", append(schema, '\n'), 0o644)
	}
	if err == nil {
		err = os.WriteFile("docs/CONFIG.md", []byte(config.Reference()), 0o644)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "gendocs:", err)
		os.Exit(1)
	}
}
