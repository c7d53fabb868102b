package grading

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Evidence searches (DESIGN "Evidence searches"): a rating of "unproven"
// means something only if someone looked. An editor records each search
// made for a claim's evidence, as a systematic review reports its searches:
// the database, the query exactly as it was run, the date, the records it
// returned and how many were screened (PRISMA-S items 1, 8, 13 and 16:
// Rethlefsen ML, Kirtley S, Waffenschmidt S, et al. PRISMA-S: an extension
// to the PRISMA Statement for Reporting Literature Searches in Systematic
// Reviews. Syst Rev 2021;10:39, doi:10.1186/s13643-020-01542-z). The rating
// rules read the searches (RateClaim: no_evidence_found versus
// not_yet_searched) and DeriveClaim flags a claim whose newest search is
// older than the limit (stale_grade).

// SearchDatabase is where an evidence search was run.
type SearchDatabase string

// The databases an evidence search may name. MEDLINE/PubMed, the Cochrane
// Library (CENTRAL, CDSR) and Embase are the sources the Cochrane Handbook
// asks every review to search, trial registries (ClinicalTrials.gov) find
// unpublished and ongoing trials (Lefebvre C, Glanville J, Briscoe S, et al.
// Chapter 4: Searching for and selecting studies. Cochrane Handbook for
// Systematic Reviews of Interventions, version 6); Google Scholar and other
// sources are recorded as what they are.
const (
	DatabasePubMed            SearchDatabase = "pubmed"
	DatabaseCochraneLibrary   SearchDatabase = "cochrane_library"
	DatabaseEmbase            SearchDatabase = "embase"
	DatabaseClinicalTrialsGov SearchDatabase = "clinicaltrials_gov"
	DatabaseGoogleScholar     SearchDatabase = "google_scholar"
	DatabaseOther             SearchDatabase = "other" // another database or registry; the note names it
)

// SearchDatabases returns the six databases. Each call returns a new
// slice.
func SearchDatabases() []SearchDatabase {
	return []SearchDatabase{DatabasePubMed, DatabaseCochraneLibrary, DatabaseEmbase, DatabaseClinicalTrialsGov,
		DatabaseGoogleScholar, DatabaseOther}
}

// ParseSearchDatabase accepts exactly the six databases.
func ParseSearchDatabase(s string) (SearchDatabase, error) {
	return parseWord("search database", s, SearchDatabases())
}

// Validate reports a value outside the vocabulary.
func (d SearchDatabase) Validate() error { _, err := ParseSearchDatabase(string(d)); return err }

// Scan reads a stored search database (database/sql.Scanner).
func (d *SearchDatabase) Scan(src any) error { return scanWord(d, src, ParseSearchDatabase) }

// Name is the database's name as a sentence uses it: "PubMed", "the
// Cochrane Library".
func (d SearchDatabase) Name() string {
	switch d {
	case DatabasePubMed:
		return "PubMed"
	case DatabaseCochraneLibrary:
		return "the Cochrane Library"
	case DatabaseEmbase:
		return "Embase"
	case DatabaseClinicalTrialsGov:
		return "ClinicalTrials.gov"
	case DatabaseGoogleScholar:
		return "Google Scholar"
	}
	return "another database"
}

// DefaultSearchStaleAfter is how old a claim's newest evidence search may
// be before the claim is flagged stale_grade: two years (DESIGN, the
// default of SEARCH_STALE_AFTER), counted as 730 days. Cochrane asks for
// more: a review's searches are rerun within 12 months before it is
// published (MECIR conduct standard C37); a fact-check published once and
// read for years is held to the looser limit, which the server's
// configuration may tighten.
const DefaultSearchStaleAfter = 730 * 24 * time.Hour

// EvidenceSearch is one documented search for a claim's evidence, as the
// rules read it.
type EvidenceSearch struct {
	Database SearchDatabase
	// Query is the search exactly as it was run.
	Query string
	// SearchedAt is when it was run.
	SearchedAt time.Time
	// Hits is how many records it returned, Screened how many of them were
	// screened (title and abstract, or full text).
	Hits, Screened int64
	// Sources is how many catalogued sources it led to.
	Sources int
}

// NewestSearch returns when the newest of searches was run, and false when
// there is none.
func NewestSearch(searches []EvidenceSearch) (time.Time, bool) {
	var newest time.Time
	for i, s := range searches {
		if i == 0 || s.SearchedAt.After(newest) {
			newest = s.SearchedAt
		}
	}
	return newest, len(searches) > 0
}

// SearchStale reports whether the newest of searches is older than limit
// at now: run before now − limit. No search is never stale (there is
// nothing to renew: the claim is not_yet_searched), and a limit of 0 or
// less never expires.
func SearchStale(searches []EvidenceSearch, now time.Time, limit time.Duration) bool {
	newest, ok := NewestSearch(searches)
	return ok && limit > 0 && newest.Before(now.Add(-limit))
}

// checkSearch reports values outside their vocabularies or bounds in a
// search the rules read.
func checkSearch(i int, s EvidenceSearch, p *problems) {
	field := func(name string) string { return fmt.Sprintf("searches[%d].%s", i, name) }
	if s.Database.Validate() != nil {
		p.add(field("database"), CodeInvalidValue, mustBeOneOf(Strings(SearchDatabases())))
	}
	if s.Hits < 0 || s.Screened < 0 || s.Screened > s.Hits {
		p.add(field("screened"), CodeInvalidValue, "hits and screened are counts, and screened is at most hits")
	}
}

// maxSearchesNamed and maxQueryQuoted bound what an explanation says of
// the searches: the newest ten, each query cut at 200 characters (the
// search resource keeps the whole query).
const (
	maxSearchesNamed = 10
	maxQueryQuoted   = 200
)

// searchesPhrase names the searches in the order they were run (the newest
// maxSearchesNamed of them): `PubMed on 2026-11-03 (query "…", 12 hits, 3
// screened) and the Cochrane Library on 2026-11-04 (…)`.
func searchesPhrase(searches []EvidenceSearch) string {
	ss := slices.Clone(searches)
	slices.SortStableFunc(ss, func(a, b EvidenceSearch) int {
		return cmp.Or(a.SearchedAt.Compare(b.SearchedAt), cmp.Compare(a.Database, b.Database), cmp.Compare(a.Query, b.Query))
	})
	earlier := 0
	if len(ss) > maxSearchesNamed {
		earlier = len(ss) - maxSearchesNamed
		ss = ss[earlier:]
	}
	parts := make([]string, len(ss))
	for i, s := range ss {
		q := []rune(strings.TrimSpace(s.Query))
		query := string(q)
		if len(q) > maxQueryQuoted {
			query = string(q[:maxQueryQuoted]) + "…"
		}
		led := ""
		if s.Sources > 0 {
			led = ", led to " + plural(int64(s.Sources), "catalogued source")
		}
		parts[i] = fmt.Sprintf("%s on %s (query %q, %s, %s screened%s)", s.Database.Name(),
			s.SearchedAt.UTC().Format(time.DateOnly), query, plural(s.Hits, "hit"), count(s.Screened), led)
	}
	out := parts[0]
	if n := len(parts); n > 1 {
		out = strings.Join(parts[:n-1], ", ") + " and " + parts[n-1]
	}
	switch {
	case earlier == 1:
		out += ", after 1 earlier search"
	case earlier > 1:
		out += fmt.Sprintf(", after %d earlier searches", earlier)
	}
	return out
}

// searchesOutcome says what the searches came to, for a claim that no
// usable graded finding rests on: nothing includable, or sources that no
// graded finding linked to the claim uses yet.
func searchesOutcome(searches []EvidenceSearch) string {
	n := 0
	for _, s := range searches {
		n += s.Sources
	}
	if n == 0 {
		return "nothing includable was found"
	}
	return "what they found is not yet a graded finding linked to the claim"
}
