// Command platformgen writes the platform APIs' generated YAML (the
// AppEnvironment bundle and every API's Crossplane v2 namespaced form)
// from the sources under apis/platform. `make generate` runs it.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/appinfra/provider-appinfra/internal/platformgen"
)

func main() {
	dir := flag.String("dir", "apis/platform", "the platform APIs' directory")
	flag.Parse()
	files, err := platformgen.Generate(*dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "platformgen:", err)
		os.Exit(1)
	}
	for _, p := range platformgen.Paths(files) {
		path := filepath.Join(*dir, p)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			fmt.Fprintln(os.Stderr, "platformgen:", err)
			os.Exit(1)
		}
		if err := os.WriteFile(path, files[p], 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "platformgen:", err)
			os.Exit(1)
		}
	}
}
