// Package tscheck type-checks JSON documents with the TypeScript compiler:
// each document is written, one a line, as `const docN: <Type> = <json>;`
// into a generated file, tsc --strict --noEmit compiles it, and every error
// tsc places on a document's line is attributed to that document. The
// typings (FHIR R5 in internal/fhircheck, schema.org in internal/ldcheck)
// and their npm packages are the callers'.
package tscheck

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Doc is one JSON document to check against a TypeScript type.
type Doc struct {
	Name string // for messages
	Type string // the TypeScript type, e.g. fhir5.Evidence
	JSON []byte
}

// Failure is what tsc reported against one document.
type Failure struct {
	Doc    string
	Errors []string
}

// Result is a compilation's outcome: the documents tsc reported errors
// against (none when all are valid) and its whole output.
type Result struct {
	Failures []Failure
	Output   string
}

// Failed lists the names of the documents with errors.
func (r Result) Failed() []string {
	out := make([]string, len(r.Failures))
	for i, f := range r.Failures {
		out[i] = f.Doc
	}
	return out
}

// Setup says how to compile: where the npm packages are, what the
// generated file starts with and the extra tsc flags.
type Setup struct {
	// Modules is the node_modules directory holding typescript and the typings.
	Modules string
	// Header is the generated file's first lines (each ending in a newline).
	Header string
	// Declare declares each document: "const" or "export const" (a module).
	Declare string
	// File is the generated file's name.
	File string
	// LinkModules links Modules into the work directory, for imports to resolve.
	LinkModules bool
	// Flags are passed to tsc after --noEmit --strict --skipLibCheck.
	Flags []string
}

// TSC is the path of the compiler in modules.
func TSC(modules string) string { return filepath.Join(modules, "typescript", "bin", "tsc") }

var tscLine = regexp.MustCompile(`^[^(]*\.ts\((\d+),\d+\): (error .*)$`)

// Compile writes the documents into one TypeScript file in dir and
// type-checks them in one tsc run. An error is returned only when tsc
// cannot run or reports an error it does not place on a document's line.
func Compile(ctx context.Context, dir string, s Setup, docs ...Doc) (Result, error) {
	var src bytes.Buffer
	src.WriteString(s.Header)
	headerLines := strings.Count(s.Header, "\n")
	for i, d := range docs {
		var compact bytes.Buffer
		if err := json.Compact(&compact, d.JSON); err != nil {
			return Result{}, fmt.Errorf("%s: not JSON: %w", d.Name, err)
		}
		fmt.Fprintf(&src, "%s doc%d: %s = %s;\n", s.Declare, i, d.Type, compact.Bytes())
	}
	if s.LinkModules {
		if err := os.Symlink(s.Modules, filepath.Join(dir, "node_modules")); err != nil && !os.IsExist(err) {
			return Result{}, err
		}
	}
	file := filepath.Join(dir, s.File)
	if err := os.WriteFile(file, src.Bytes(), 0o600); err != nil {
		return Result{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	args := append([]string{TSC(s.Modules), "--noEmit", "--strict", "--skipLibCheck", "--pretty", "false"}, s.Flags...)
	cmd := exec.CommandContext(ctx, "node", append(args, file)...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	res := Result{Output: string(out)}
	if err == nil {
		return res, nil
	}
	if _, ok := err.(*exec.ExitError); !ok || ctx.Err() != nil {
		return res, fmt.Errorf("run tsc: %v: %s", err, out)
	}
	byDoc := map[int][]string{}
	var stray []string
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		m := tscLine.FindStringSubmatch(line)
		if m == nil {
			if strings.HasPrefix(line, " ") { // a continuation of the error above
				continue
			}
			stray = append(stray, line)
			continue
		}
		n, _ := strconv.Atoi(m[1])
		i := n - headerLines - 1 // document i is on line i+headerLines+1
		if i < 0 || i >= len(docs) {
			stray = append(stray, line)
			continue
		}
		byDoc[i] = append(byDoc[i], m[2])
	}
	if len(stray) > 0 {
		return res, fmt.Errorf("tsc reported errors outside the documents:\n%s", strings.Join(stray, "\n"))
	}
	keys := make([]int, 0, len(byDoc))
	for k := range byDoc {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		res.Failures = append(res.Failures, Failure{Doc: docs[k].Name, Errors: byDoc[k]})
	}
	return res, nil
}
