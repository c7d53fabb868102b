// Package review is the review workflow of findings: who may assess a
// finding, drafts and submissions, the blinding of assessments, consensus on
// every GRADE domain, one revision after unblinding, editors' adjudication
// under If-Match, and when a grade goes stale (finding.go). It decides; the
// store loads, writes and locks, and every operation runs in one store
// transaction.
package review

import (
	"fmt"

	"claimgrade/models"
	"claimgrade/store"
)

// Reviews runs the workflow on a store.
type Reviews struct {
	st *store.Store
}

// New returns the workflow on st (which may be bound to a transaction by
// store.InTx: each operation then joins it).
func New(st *store.Store) *Reviews { return &Reviews{st: st} }

// MaxRationale bounds a rationale, in characters.
const MaxRationale = 4000

// mayReview checks that a is a user who may assess findings.
func mayReview(a store.Actor) error {
	if !a.Role.AtLeast(models.RoleReviewer) {
		return fmt.Errorf("%w: assessing findings needs the reviewer role", store.ErrForbidden)
	}
	if a.UserID == 0 {
		return fmt.Errorf("%w: assessments are made by a user, not by %q", store.ErrForbidden, a.Name)
	}
	return nil
}
