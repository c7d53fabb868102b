package store_test

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"claimgrade/grading"
	"claimgrade/internal/testenv"
	"claimgrade/models"
	"claimgrade/store"
)

func i64(n int64) *int64 { return &n }

// searchClaim creates a therapy (once) and a claim about it that links no
// finding: not_rated (not_yet_searched) until a search is recorded.
func searchClaim(t testing.TB, st *store.Store, text string) models.Claim {
	t.Helper()
	ctx := context.Background()
	if _, err := st.GetTherapy(ctx, "mesotherapy"); err != nil {
		if _, err := st.CreateTherapy(ctx, store.System("test"), store.TherapyInput{Slug: "mesotherapy", Name: "Mesotherapy"}); err != nil {
			t.Fatal(err)
		}
	}
	c, err := st.CreateClaim(ctx, store.System("test"), store.ClaimInput{Therapy: "mesotherapy", Text: text, Language: "en",
		ClaimType: grading.ClaimIndication, Assertion: grading.AssertEffect, Hedge: grading.HedgeMay})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// pubmedSearch is a search run at at that found nothing includable.
func pubmedSearch(at time.Time) store.SearchInput {
	note := "Nothing on asthma or cystic fibrosis."
	return store.SearchInput{Database: grading.DatabasePubMed, Query: "mesotherapy AND asthma", SearchedAt: &at, Hits: i64(12),
		Screened: i64(3), Note: &note}
}

func claimState(t testing.TB, st *store.Store, id int64) (models.Claim, []grading.Flag) {
	t.Helper()
	var c models.Claim
	if err := st.DB().Take(&c, id).Error; err != nil {
		t.Fatal(err)
	}
	var flags []grading.Flag
	if err := st.DB().Model(&models.ClaimFlag{}).Where("claim_id = ?", id).Order("flag").Pluck("flag", &flags).Error; err != nil {
		t.Fatal(err)
	}
	return c, flags
}

// TestSearchValidation: every bad field of a search is a problem naming
// it, all reported at once, and a refused write leaves nothing behind.
func TestSearchValidation(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		c := searchClaim(t, st, "Micro-vaccination helps in asthma.")
		src, err := st.CreateSource(ctx, store.System("test"), store.SourceInput{Kind: grading.KindRCT, Title: "A trial"})
		if err != nil {
			t.Fatal(err)
		}
		future, past := time.Now().Add(time.Hour), time.Date(1969, 12, 31, 0, 0, 0, 0, time.UTC)
		ok := pubmedSearch(time.Now().Add(-time.Hour))
		with := func(change func(*store.SearchInput)) store.SearchInput { in := ok; change(&in); return in }
		tests := []struct {
			name   string
			in     store.SearchInput
			fields []string
		}{
			{"nothing", store.SearchInput{}, []string{"database", "query", "searched_at", "hits", "screened", "note"}},
			{"database", with(func(in *store.SearchInput) { in.Database = "medline" }), []string{"database"}},
			{"query blank", with(func(in *store.SearchInput) { in.Query = "  " }), []string{"query"}},
			{"query too long", with(func(in *store.SearchInput) { in.Query = strings.Repeat("q", store.MaxSearchQuery+1) }), []string{"query"}},
			{"searched in the future", with(func(in *store.SearchInput) { in.SearchedAt = &future }), []string{"searched_at"}},
			{"searched before 1970", with(func(in *store.SearchInput) { in.SearchedAt = &past }), []string{"searched_at"}},
			{"negative hits", with(func(in *store.SearchInput) { in.Hits = i64(-1) }), []string{"hits"}},
			{"too many hits", with(func(in *store.SearchInput) { in.Hits = i64(store.MaxSearchHits + 1) }), []string{"hits"}},
			{"negative screened", with(func(in *store.SearchInput) { in.Screened = i64(-1) }), []string{"screened"}},
			{"screened above hits", with(func(in *store.SearchInput) { in.Screened = i64(13) }), []string{"screened"}},
			{"unknown and repeated sources", with(func(in *store.SearchInput) { in.SourceIDs = []int64{src.ID, 1 << 40, src.ID} }),
				[]string{"source_ids[1]", "source_ids[2]"}},
			{"no sources and no note", with(func(in *store.SearchInput) { in.Note = nil }), []string{"note"}},
			{"no sources and a blank note", with(func(in *store.SearchInput) { blank := " "; in.Note = &blank }), []string{"note"}},
		}
		before := testenv.Count(t, st, "audit_events", "")
		for _, tt := range tests {
			_, err := st.CreateSearch(ctx, store.System("test"), c.ID, tt.in)
			var ve *store.ValidationError
			if !errors.As(err, &ve) {
				t.Errorf("%s: CreateSearch = %v, want a ValidationError", tt.name, err)
				continue
			}
			var fields []string
			for _, p := range ve.Problems {
				fields = append(fields, p.Field)
			}
			if !slices.Equal(fields, tt.fields) {
				t.Errorf("%s: problems on %v, want %v (%v)", tt.name, fields, tt.fields, err)
			}
		}
		if n := testenv.Count(t, st, "evidence_searches", ""); n != 0 {
			t.Errorf("%d searches after refused writes, want 0", n)
		}
		if n := testenv.Count(t, st, "audit_events", ""); n != before {
			t.Errorf("audit events %d after refused writes, want %d", n, before)
		}
		// A search that led to a source needs no note.
		led := with(func(in *store.SearchInput) { in.Note, in.SourceIDs = nil, []int64{src.ID} })
		if _, err := st.CreateSearch(ctx, store.System("test"), c.ID, led); err != nil {
			t.Errorf("CreateSearch with a source and no note: %v", err)
		}
	})
}

// TestSearchWrites: a search is created, changed under its version and
// removed; each write re-derives the claim in its transaction (rating,
// flags, events) and is audited; an archived claim takes none (ErrGone);
// a claim takes at most MaxSearchesPerClaim.
func TestSearchWrites(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		editor := store.Actor{Name: "erin", Role: models.RoleEditor}
		c := searchClaim(t, st, "Micro-vaccination helps in asthma.")
		if got, _ := claimState(t, st, c.ID); got.Rating != grading.RatingNotRated || !strings.Contains(got.RatingExplanation, "(not_yet_searched)") {
			t.Fatalf("new claim = %s: %s, want not_rated (not_yet_searched)", got.Rating, got.RatingExplanation)
		}
		at := time.Date(2026, 11, 3, 9, 30, 0, 123456789, time.FixedZone("CET", 3600))
		s, err := st.CreateSearch(ctx, editor, c.ID, pubmedSearch(at))
		if err != nil {
			t.Fatal(err)
		}
		if s.ID == 0 || s.Version != 1 || s.CreatedBy != "erin" || !s.SearchedAt.Equal(at.Truncate(time.Microsecond)) ||
			s.SearchedAt.Location() != time.UTC {
			t.Errorf("CreateSearch = %+v, want id, version 1, created_by erin, searched_at in UTC to the microsecond", s)
		}
		got, flags := claimState(t, st, c.ID)
		if got.Rating != grading.RatingUnproven || !strings.Contains(got.RatingExplanation, "(no_evidence_found)") ||
			!strings.Contains(got.RatingExplanation, "PubMed on 2026-11-03") || got.LastSearchedAt == nil || got.SearchStale ||
			slices.Contains(flags, grading.FlagStaleGrade) {
			t.Errorf("claim after a search = %s stale %v searched %v flags %v: %s", got.Rating, got.SearchStale, got.LastSearchedAt, flags, got.RatingExplanation)
		}
		if _, err := st.UpdateSearch(ctx, editor, c.ID, s.ID, 7, store.SearchPatch{}); !errors.Is(err, store.ErrPrecondition) {
			t.Errorf("UpdateSearch at a stale version = %v, want ErrPrecondition", err)
		}
		embase := grading.DatabaseEmbase
		u, err := st.UpdateSearch(ctx, editor, c.ID, s.ID, 1, store.SearchPatch{Database: &embase})
		if err != nil || u.Version != 2 || u.Database != embase || u.Query != s.Query {
			t.Fatalf("UpdateSearch = %+v, %v", u, err)
		}
		if got, _ := claimState(t, st, c.ID); !strings.Contains(got.RatingExplanation, "Embase on 2026-11-03") {
			t.Errorf("explanation after the update: %s", got.RatingExplanation)
		}
		if err := st.DeleteSearch(ctx, editor, c.ID, s.ID, 1); !errors.Is(err, store.ErrPrecondition) {
			t.Errorf("DeleteSearch at a stale version = %v, want ErrPrecondition", err)
		}
		if err := st.DeleteSearch(ctx, editor, c.ID, s.ID, 2); err != nil {
			t.Fatal(err)
		}
		if got, _ := claimState(t, st, c.ID); got.Rating != grading.RatingNotRated || got.LastSearchedAt != nil ||
			!strings.Contains(got.RatingExplanation, "(not_yet_searched)") {
			t.Errorf("claim after the search was removed = %s searched %v: %s", got.Rating, got.LastSearchedAt, got.RatingExplanation)
		}
		var actions []string
		if err := st.DB().Model(&models.AuditEvent{}).Where("entity = ? AND claim_id = ?", "evidence_search", c.ID).Order("id").
			Pluck("action", &actions).Error; err != nil {
			t.Fatal(err)
		}
		if want := []string{"evidence_search.created", "evidence_search.updated", "evidence_search.deleted"}; !slices.Equal(actions, want) {
			t.Errorf("search events = %v, want %v", actions, want)
		}
		var causes []string
		if err := st.DB().Model(&models.AuditEvent{}).Where("action = ? AND claim_id = ?", "claim.rated", c.ID).Order("id").
			Pluck("after", &causes).Error; err != nil {
			t.Fatal(err)
		}
		if len(causes) != 2 || !strings.Contains(causes[0], `"cause":"evidence_search.created"`) || !strings.Contains(causes[1], `"cause":"evidence_search.deleted"`) {
			t.Errorf("claim.rated events = %v, want unproven by the search and not_rated again by its removal", causes)
		}

		// The cap: a claim that holds MaxSearchesPerClaim searches takes no more.
		full := searchClaim(t, st, "Micro-vaccination cures cystic fibrosis.")
		rows := make([]models.EvidenceSearch, store.MaxSearchesPerClaim)
		for i := range rows {
			rows[i] = models.EvidenceSearch{ClaimID: full.ID, Database: grading.DatabaseOther, Query: fmt.Sprint(i), SearchedAt: at,
				Version: 1, CreatedBy: "t", CreatedAt: at, UpdatedAt: at}
		}
		if err := st.DB().Omit("Sources").CreateInBatches(rows, 50).Error; err != nil {
			t.Fatal(err)
		}
		if _, err := st.CreateSearch(ctx, editor, full.ID, pubmedSearch(at)); !errors.Is(err, store.ErrConflict) {
			t.Errorf("CreateSearch beyond %d = %v, want ErrConflict", store.MaxSearchesPerClaim, err)
		}

		// An archived claim takes no search and lists none.
		if err := st.ArchiveClaim(ctx, editor, c.ID, 0); err != nil {
			t.Fatal(err)
		}
		if _, err := st.CreateSearch(ctx, editor, c.ID, pubmedSearch(at)); !errors.Is(err, store.ErrGone) {
			t.Errorf("CreateSearch on an archived claim = %v, want ErrGone", err)
		}
		if _, _, err := st.ListSearches(ctx, c.ID, store.Page{}); !errors.Is(err, store.ErrGone) {
			t.Errorf("ListSearches of an archived claim = %v, want ErrGone", err)
		}
	})
}

// TestSearchSweep: time alone makes a claim's newest search stale. The
// sweep, with an injected clock, re-derives the claims whose search
// crossed SEARCH_STALE_AFTER since they were derived (stale_grade raised,
// audited as the sweep's), a bounded batch per call, skipping archived
// claims, and renews claims whose search is current again after the limit
// was raised; a second sweep at the same time has nothing to do.
func TestSearchSweep(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		st.SetSearchStaleAfter(30 * 24 * time.Hour)
		searched := time.Now().UTC().Add(-24 * time.Hour).Truncate(time.Second)
		var claims []models.Claim
		for i := range 5 {
			c := searchClaim(t, st, fmt.Sprintf("Claim %d about micro-vaccination.", i))
			// One day apart, the oldest first.
			if _, err := st.CreateSearch(ctx, store.System("test"), c.ID, pubmedSearch(searched.Add(time.Duration(i-4)*24*time.Hour))); err != nil {
				t.Fatal(err)
			}
			claims = append(claims, c)
		}
		archived := searchClaim(t, st, "An archived claim.")
		if _, err := st.CreateSearch(ctx, store.System("test"), archived.ID, pubmedSearch(searched.Add(-10*24*time.Hour))); err != nil {
			t.Fatal(err)
		}
		if err := st.ArchiveClaim(ctx, store.System("test"), archived.ID, 0); err != nil {
			t.Fatal(err)
		}
		unsearched := searchClaim(t, st, "A claim nobody looked into.")
		for _, c := range claims {
			if got, flags := claimState(t, st, c.ID); got.SearchStale || slices.Contains(flags, grading.FlagStaleGrade) {
				t.Fatalf("claim %d stale right after its search", c.ID)
			}
		}
		// 28 days and an hour on, the three oldest searches (4, 3 and 2 days
		// older than the newest) are past 30 days; the two newest are not.
		later := searched.Add(28*24*time.Hour + time.Hour)
		sweep := func(at time.Time, limit int) int {
			t.Helper()
			n, err := st.SweepStaleSearches(ctx, at, limit)
			if err != nil {
				t.Fatalf("SweepStaleSearches: %v", err)
			}
			return n
		}
		if n := sweep(later, 2); n != 2 {
			t.Errorf("first sweep of 2 = %d claims, want 2 (bounded)", n)
		}
		if n := sweep(later, 2); n != 1 {
			t.Errorf("second sweep = %d claims, want the 1 left", n)
		}
		if n := sweep(later, 2); n != 0 {
			t.Errorf("third sweep = %d claims, want 0: nothing aged since", n)
		}
		for i, c := range claims {
			got, flags := claimState(t, st, c.ID)
			want := i < 3
			if got.SearchStale != want || slices.Contains(flags, grading.FlagStaleGrade) != want {
				t.Errorf("claim %d (search %d days before the newest): search_stale %v flags %v, want stale %v", c.ID, 4-i, got.SearchStale, flags, want)
			}
			if got.Rating != grading.RatingUnproven {
				t.Errorf("claim %d: rating %s, want unproven still: an old search is still a search", c.ID, got.Rating)
			}
		}
		if got, flags := claimState(t, st, archived.ID); got.SearchStale || slices.Contains(flags, grading.FlagStaleGrade) {
			t.Errorf("the archived claim was swept")
		}
		if got, flags := claimState(t, st, unsearched.ID); got.SearchStale || slices.Contains(flags, grading.FlagStaleGrade) {
			t.Errorf("a claim without searches was swept")
		}
		var ev models.AuditEvent
		if err := st.DB().Where("claim_id = ? AND action = ?", claims[0].ID, "claim.flagged").Order("id DESC").Take(&ev).Error; err != nil {
			t.Fatal(err)
		}
		if ev.ActorName != store.SearchSweepActor || ev.After == nil || !strings.Contains(*ev.After, `"cause":"evidence_search.stale"`) ||
			!strings.Contains(*ev.After, `"stale_grade"`) || !ev.CreatedAt.Equal(later) {
			t.Errorf("sweep event = %+v %v, want claim.flagged by %s at the sweep's clock, cause evidence_search.stale", ev, deref(ev.After), store.SearchSweepActor)
		}
		// A raised limit makes the searches current again: the sweep renews them.
		st.SetSearchStaleAfter(365 * 24 * time.Hour)
		if n := sweep(later, 10); n != 3 {
			t.Errorf("sweep after the limit was raised = %d claims, want the 3 stale ones", n)
		}
		for _, c := range claims {
			if got, flags := claimState(t, st, c.ID); got.SearchStale || slices.Contains(flags, grading.FlagStaleGrade) {
				t.Errorf("claim %d still stale after the limit was raised", c.ID)
			}
		}
		if bad, err := st.VerifyDerived(ctx, []int64{claims[0].ID, claims[4].ID, unsearched.ID}); err != nil || len(bad) > 0 {
			t.Errorf("VerifyDerived after the sweeps = %v, %v", bad, err)
		}
	})
}

func deref(s *string) string {
	if s == nil {
		return "<nil>"
	}
	return *s
}

// TestExplainSearchSweep: the sweep finds its claims through the partial
// indexes on last_searched_at (claims_search_fresh, claims_search_stale),
// never by scanning claims, on both databases.
func TestExplainSearchSweep(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		ids := bulkClaims(t, st, 2000)
		db := st.DB()
		// One claim in twenty has searches, dated over four years; a third
		// of those is marked stale.
		for i, id := range ids {
			if i%20 != 0 {
				continue
			}
			at := time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * 17 * time.Hour)
			if err := db.Model(&models.Claim{}).Where("id = ?", id).
				Updates(map[string]any{"last_searched_at": at, "search_stale": i%60 == 0}).Error; err != nil {
				t.Fatal(err)
			}
		}
		analyze := "ANALYZE"
		if testenv.Postgres(st) {
			analyze = "ANALYZE claims"
		}
		if err := db.Exec(analyze).Error; err != nil {
			t.Fatal(err)
		}
		sqlDB, err := db.DB()
		if err != nil {
			t.Fatal(err)
		}
		aged, renewed := store.SweepSQL(st.Dialect())
		cutoff := time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)
		for _, q := range []struct{ name, sql, index string }{{"aged", aged, "claims_search_fresh"}, {"renewed", renewed, "claims_search_stale"}} {
			explain, scan := "EXPLAIN ", func(rows interface{ Scan(...any) error }) (string, error) {
				var line string
				err := rows.Scan(&line)
				return line, err
			}
			if !testenv.Postgres(st) {
				explain, scan = "EXPLAIN QUERY PLAN ", func(rows interface{ Scan(...any) error }) (string, error) {
					var id, parent, unused int
					var detail string
					err := rows.Scan(&id, &parent, &unused, &detail)
					return detail, err
				}
			}
			// EXPLAIN cannot take FOR UPDATE in a read-only way on every
			// version; the plan of the SELECT is what matters.
			sql := strings.TrimSuffix(q.sql, " FOR UPDATE SKIP LOCKED")
			if testenv.Postgres(st) { // database/sql with pgx numbers its parameters
				sql = strings.Replace(strings.Replace(sql, "?", "$1", 1), "?", "$2", 1)
			}
			rows, err := sqlDB.QueryContext(ctx, explain+sql, cutoff, 500)
			if err != nil {
				t.Fatalf("%s%s: %v", explain, sql, err)
			}
			var lines []string
			for rows.Next() {
				line, err := scan(rows)
				if err != nil {
					t.Fatal(err)
				}
				lines = append(lines, line)
			}
			rows.Close()
			plan := strings.Join(lines, "\n")
			t.Logf("%s\n%s", sql, plan)
			uses := regexp.MustCompile(`(Index Scan|Index Only Scan|Bitmap Index Scan)( Backward)? (using|on) ` + q.index + `|USING INDEX ` + q.index)
			if !uses.MatchString(plan) || strings.Contains(plan, "Seq Scan on claims") || regexp.MustCompile(`(?m)SCAN claims( |$)`).MatchString(plan) {
				t.Errorf("the %s sweep does not read %s (or scans claims):\n%s", q.name, q.index, plan)
			}
		}
	})
}

// TestRederiveReadsSearchesOnce: a re-derivation reads the searches of all
// its claims in one statement (claimSearches), never one per claim: a sweep
// of ten claims reads evidence_searches as often as a sweep of one.
func TestRederiveReadsSearchesOnce(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		searched := time.Now().UTC().Add(-time.Hour)
		for i := range 11 {
			c := searchClaim(t, st, fmt.Sprintf("Claim %d.", i))
			for j := range 3 {
				in := pubmedSearch(searched.Add(time.Duration(-i*10-j) * time.Minute))
				if _, err := st.CreateSearch(ctx, store.System("test"), c.ID, in); err != nil {
					t.Fatal(err)
				}
			}
		}
		counter := testenv.CountQueries(t, st)
		reads := func(limit int) (int, int) {
			t.Helper()
			var n int
			var err error
			_, stmts := counter.Count(func() { n, err = st.SweepStaleSearches(ctx, searched.AddDate(3, 0, 0), limit) })
			if err != nil {
				t.Fatal(err)
			}
			k := 0
			for _, s := range stmts {
				if strings.Contains(s, "FROM evidence_searches") {
					k++
				}
			}
			return n, k
		}
		one, readsOne := reads(1)
		ten, readsTen := reads(10)
		if one != 1 || ten != 10 || readsOne != 1 || readsTen != 1 {
			t.Errorf("sweeps of %d and %d claims read evidence_searches %d and %d times, want 1 claim, 10 claims, once each", one, ten, readsOne, readsTen)
		}
	})
}
