package handlers

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
)

// Text in request bodies may hold any Unicode character except control
// characters: tab and newline are the only ones allowed. The others (NUL,
// carriage return, escape, the other C0 controls, DEL and the C1 controls
// U+0080-U+009F) are refused with a 422 naming the field and the
// character, never stripped: a client learns that its text would not be
// stored as sent. JSON can carry them (as \u0000 ...), PostgreSQL text
// cannot even hold NUL, and the others end up in pages, exports and
// terminals where they hide or rewrite text. Send line breaks as \n, not
// \r\n.
func allowedControl(r rune) bool { return r == '\t' || r == '\n' }

func isRefusedControl(r rune) bool {
	return (r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f)) && !allowedControl(r)
}

// controlField names (as in the JSON body) the first string of v that holds
// a refused control character, and says which one; "" when none does.
func controlField(v any) (field, message string) {
	return controlIn(reflect.ValueOf(v), "")
}

func controlMessage(s string) (string, bool) {
	i := strings.IndexFunc(s, isRefusedControl)
	if i < 0 {
		return "", false
	}
	r := []rune(s[i:])[0]
	if r == 0 {
		return "must not contain a NUL character (\\u0000)", true
	}
	return fmt.Sprintf("must not contain the control character U+%04X: only tab and newline (\\n) are allowed", r), true
}

func controlIn(v reflect.Value, path string) (string, string) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return "", ""
		}
		return controlIn(v.Elem(), path)
	case reflect.String:
		if msg, bad := controlMessage(v.String()); bad {
			return path, msg
		}
	case reflect.Struct:
		t := v.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "-" {
				continue
			}
			sub := path
			if !f.Anonymous || name != "" {
				if name == "" {
					name = f.Name
				}
				sub = joinPath(path, name)
			}
			if p, msg := controlIn(v.Field(i), sub); p != "" {
				return p, msg
			}
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			if p, msg := controlIn(v.Index(i), path+"["+strconv.Itoa(i)+"]"); p != "" {
				return p, msg
			}
		}
	case reflect.Map:
		iter := v.MapRange()
		for iter.Next() {
			k := iter.Key()
			if k.Kind() == reflect.String {
				if msg, bad := controlMessage(k.String()); bad {
					return orBody(path), "has a member name that " + msg
				}
			}
			if p, msg := controlIn(iter.Value(), joinPath(path, k.String())); p != "" {
				return p, msg
			}
		}
	}
	return "", ""
}

func orBody(path string) string {
	if path == "" {
		return "body"
	}
	return path
}

func joinPath(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}
