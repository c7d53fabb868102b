package store

// DisableFTS makes st's SQLite searches skip the FTS5 trigram index, so
// that tests and benchmarks can compare with the plain LIKE scan.
func DisableFTS(st *Store) { st.noFTS = true }

// Fold exposes fold to the external tests.
var Fold = fold
