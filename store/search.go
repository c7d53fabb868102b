package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
	"gorm.io/gorm"
)

// searchFoldVersion numbers the fold function. The table search_fold
// records the version every stored search_text was written with;
// MigrateUp rewrites search_text of every claim and source when it is
// older (migration 00006 starts it at 0, before text was accent-folded).
// Bump it whenever fold changes.
const searchFoldVersion = 1

// foldSpecial maps letters that Unicode does not decompose into a base
// letter and a mark, after lower-casing: German ß becomes ss (so "Straße"
// and "strasse" find each other); æ, œ, ø, đ, ł and dotless ı become their
// plain Latin spelling.
var foldSpecial = strings.NewReplacer("ß", "ss", "æ", "ae", "œ", "oe", "ø", "o", "đ", "d", "ł", "l", "ı", "i")

// fold is how search text and queries are compared: Unicode NFD, combining
// marks removed, recomposed (NFC), lower-cased, then foldSpecial. So
// "Mésothérapie" and "mesotherapie" fold alike, and "Müller" folds to
// "muller" (not "mueller": umlauts lose their dots, they are not
// transliterated).
func fold(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return strings.ToLower(s)
	}
	t := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	out, _, err := transform.String(t, s)
	if err != nil {
		out = s
	}
	return foldSpecial.Replace(strings.ToLower(out))
}

// minIndexedQ is the shortest folded q, in characters, that the trigram
// indexes can answer; shorter ones scan.
const minIndexedQ = 3

// whereSearch filters q (a claims or sources query) to rows whose
// search_text contains text, folded, and returns the column that orders its
// pages (and that the cursor compares with); searchSQL says how.
func (s *Store) whereSearch(q *gorm.DB, table, text string) (*gorm.DB, string) {
	join, conds, order := s.searchSQL(table, text)
	if join != "" {
		q = q.Select(table + ".*").Joins(join)
	}
	for _, c := range conds {
		q = q.Where(c.sql, c.args...)
	}
	return q, order
}

// searchSQL is the search as SQL text: a join to add after the table (or
// ""), the conditions, and the column that orders the pages. The LIKE is
// the filter on both databases: on PostgreSQL a pg_trgm GIN index answers
// it; on SQLite, for a text of at least minIndexedQ characters, the rows
// come from the FTS5 trigram index (table_fts), read in rowid order, so
// that a page stops after its rows even when the text is in every other
// row.
func (s *Store) searchSQL(table, text string) (join string, conds []sqlCond, order string) {
	conds = []sqlCond{{table + `.search_text LIKE ? ESCAPE '\'`, []any{likePattern(text)}}}
	f := fold(text)
	if s.dialect != SQLite || s.noFTS || utf8.RuneCountInString(f) < minIndexedQ {
		return "", conds, table + ".id"
	}
	fts := table + "_fts"
	// A quoted phrase of the trigram tokenizer matches exactly the rows that
	// contain it as a substring (case-insensitively). Ordered by the FTS
	// rowid, SQLite makes the FTS table the outer loop (no sort).
	conds = append(conds, sqlCond{fts + " MATCH ?", []any{`"` + strings.ReplaceAll(f, `"`, `""`) + `"`}})
	return "JOIN " + fts + " ON " + fts + ".rowid = " + table + ".id", conds, fts + ".rowid"
}

// refoldSearchText rewrites search_text of every claim and source with the
// current fold when search_fold says it was written with an older one, in
// one transaction that holds the search_fold row, so that concurrent
// start-ups refold once.
func (s *Store) refoldSearchText(ctx context.Context) error {
	return s.tx(ctx, func(tx *gorm.DB) error {
		var version int
		if err := s.forUpdate(tx.Table("search_fold").Select("version")).Scan(&version).Error; err != nil {
			return fmt.Errorf("read search_fold: %w", classify(err))
		}
		if version >= searchFoldVersion {
			return nil
		}
		n, err := refold(tx, "claims", "text, text_en")
		if err != nil {
			return err
		}
		m, err := refold(tx, "sources", "title, authors, container")
		if err != nil {
			return err
		}
		if err := tx.Exec("UPDATE search_fold SET version = ?", searchFoldVersion).Error; err != nil {
			return fmt.Errorf("update search_fold: %w", classify(err))
		}
		s.log.Info("search text refolded", "claims", n, "sources", m, "fold_version", searchFoldVersion)
		return nil
	})
}

// refold rewrites table's search_text from cols, in id batches, where it
// changes; it returns how many rows changed.
func refold(tx *gorm.DB, table, cols string) (int, error) {
	const batch = 1000
	changed := 0
	var after int64
	for {
		rows, err := tx.Raw("SELECT id, search_text, "+cols+" FROM "+table+" WHERE id > ? ORDER BY id LIMIT ?", after, batch).Rows()
		if err != nil {
			return changed, fmt.Errorf("refold %s: %w", table, classify(err))
		}
		type update struct {
			id   int64
			text string
		}
		var updates []update
		n := 0
		for rows.Next() {
			var id int64
			var old string
			parts := make([]sql.NullString, strings.Count(cols, ",")+1)
			dest := []any{&id, &old}
			for i := range parts {
				dest = append(dest, &parts[i])
			}
			if err := rows.Scan(dest...); err != nil {
				rows.Close()
				return changed, fmt.Errorf("refold %s: %w", table, classify(err))
			}
			n++
			after = id
			ptrs := make([]*string, len(parts))
			for i := range parts {
				if parts[i].Valid {
					ptrs[i] = &parts[i].String
				}
			}
			if t := searchText(ptrs...); t != old {
				updates = append(updates, update{id, t})
			}
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return changed, fmt.Errorf("refold %s: %w", table, classify(err))
		}
		if len(updates) > 0 {
			// One statement per batch, valid on both databases (UPDATE … FROM
			// since SQLite 3.33).
			values := strings.TrimSuffix(strings.Repeat("(CAST(? AS BIGINT), CAST(? AS TEXT)),", len(updates)), ",")
			args := make([]any, 0, 2*len(updates))
			for _, u := range updates {
				args = append(args, u.id, u.text)
			}
			sql := "WITH v (id, t) AS (VALUES " + values + ") UPDATE " + table + " SET search_text = v.t FROM v WHERE " + table + ".id = v.id"
			if err := tx.Exec(sql, args...).Error; err != nil {
				return changed, fmt.Errorf("refold %s: %w", table, classify(err))
			}
		}
		changed += len(updates)
		if n < batch {
			return changed, nil
		}
	}
}
