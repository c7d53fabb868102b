package testenv

import (
	"sync"
	"sync/atomic"
	"testing"

	"gorm.io/gorm"

	"claimgrade/store"
)

// QueryCounter counts the SQL statements gorm runs on a store while it is
// on, through callbacks after every kind of statement.
type QueryCounter struct {
	on   atomic.Bool
	n    atomic.Int64
	mu   sync.Mutex
	sqls []string
}

// CountQueries registers a counter's callbacks on st's root handle.
func CountQueries(t testing.TB, st *store.Store) *QueryCounter {
	t.Helper()
	c := &QueryCounter{}
	cb := func(db *gorm.DB) {
		if !c.on.Load() || db.Statement.SQL.Len() == 0 {
			return
		}
		c.n.Add(1)
		c.mu.Lock()
		c.sqls = append(c.sqls, db.Statement.SQL.String())
		c.mu.Unlock()
	}
	const name = "testenv:count"
	cbs := st.DB().Callback()
	for _, err := range []error{
		cbs.Query().After("gorm:query").Register(name, cb),
		cbs.Row().After("gorm:row").Register(name, cb),
		cbs.Raw().After("gorm:raw").Register(name, cb),
		cbs.Create().After("gorm:create").Register(name, cb),
		cbs.Update().After("gorm:update").Register(name, cb),
		cbs.Delete().After("gorm:delete").Register(name, cb),
	} {
		if err != nil {
			t.Fatalf("register query counter: %v", err)
		}
	}
	return c
}

// Count runs fn and returns how many statements it ran, and which.
func (c *QueryCounter) Count(fn func()) (int, []string) {
	c.mu.Lock()
	c.sqls = nil
	c.mu.Unlock()
	c.n.Store(0)
	c.on.Store(true)
	fn()
	c.on.Store(false)
	c.mu.Lock()
	defer c.mu.Unlock()
	return int(c.n.Load()), c.sqls
}
