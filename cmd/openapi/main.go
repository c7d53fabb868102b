// Command openapi writes the OpenAPI 3 document the server serves at
// /openapi.json (api.OpenAPI3), indented, to stdout. `make docs` keeps it
// in docs/openapi.json, which the generated client of
// internal/partnerclient is generated from.
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"

	"claimgrade/api"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "openapi:", err)
		os.Exit(1)
	}
}

func run() error {
	raw, err := api.OpenAPI3()
	if err != nil {
		return err
	}
	var out bytes.Buffer
	if err := json.Indent(&out, raw, "", "  "); err != nil {
		return err
	}
	out.WriteByte('\n')
	_, err = os.Stdout.Write(out.Bytes())
	return err
}
