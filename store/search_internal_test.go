package store

import "testing"

func TestFold(t *testing.T) {
	for in, want := range map[string]string{
		"Mésothérapie":           "mesotherapie",
		"MESOTHÉRAPIE":           "mesotherapie",
		"mesotherapie":           "mesotherapie",
		"Straße":                 "strasse",
		"STRASSE":                "strasse",
		"Müller Ärzte Öl":        "muller arzte ol",
		"Encyclopædia Œuvre Ø":   "encyclopaedia oeuvre o",
		"Łódź":                   "lodz",
		"Терапия Йод":            "терапия иод", // Cyrillic: lower-cased, and й loses its breve like any mark
		"e\u0301":                "e",           // a decomposed é
		"ﬁ ligature stays":       "ﬁ ligature stays",
		"Ab 50% _off_ \\":        "ab 50% _off_ \\",
		"日本語":                    "日本語",
		"Ελληνικά θεραπεία":      "ελληνικα θεραπεια",
		"çà et là, naïve, señor": "ca et la, naive, senor",
	} {
		if got := fold(in); got != want {
			t.Errorf("fold(%q) = %q, want %q", in, got, want)
		}
	}
	if got, want := likePattern("50%_Été\\"), `%50\%\_ete\\%`; got != want {
		t.Errorf("likePattern = %q, want %q", got, want)
	}
	a, b := "Mésothérapie", "Einführung"
	if got, want := searchText(&a, nil, &b), "mesotherapie\neinfuhrung"; got != want {
		t.Errorf("searchText = %q, want %q", got, want)
	}
}
