package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"

	"claimgrade/models"
)

// privateEntities are audited entities that the public changes feed leaves
// out: API keys, users and webhooks are admin matters, and an assessment (of a claim
// or a finding) is blinded
// while its claim is in review (even its timing says something). Their
// audit events still get a seq; the feed skips them.
var privateEntities = []string{"api_key", "user", "assessment", "finding_assessment", "webhook"}

// FeedPage is one page of the changes feed.
type FeedPage struct {
	// Epoch is the feed's current epoch: the id of the database's lineage,
	// in which the seqs of its pages are positions.
	Epoch string
	Rows  []models.Change
	// Next continues after the page (empty on the last page).
	Next string
}

// FeedPositionProblem says why a feed position does not apply.
type FeedPositionProblem string

// The reasons a position is refused.
const (
	// EpochChanged: the position names another epoch than the current one
	// (an import or restore started a new one, or it comes from another
	// database).
	EpochChanged FeedPositionProblem = "feed_epoch_changed"
	// BeyondHead: the position is past the last committed seq, so it was
	// not issued by this database's feed (a restored database numbers its
	// changes anew).
	BeyondHead FeedPositionProblem = "cursor_beyond_head"
)

// FeedPositionError refuses a feed position that does not belong to the
// current feed: the partner must resynchronise from an export, then follow
// the feed from Head in Epoch. It is ErrGone.
type FeedPositionError struct {
	Problem FeedPositionProblem
	// GivenEpoch and After are the position asked for.
	GivenEpoch string
	After      int64
	// Epoch and Head are the feed's current epoch and last committed seq.
	Epoch string
	Head  int64
}

func (e *FeedPositionError) Error() string {
	if e.Problem == EpochChanged {
		return fmt.Sprintf("the changes feed is in epoch %s, not %s", e.Epoch, e.GivenEpoch)
	}
	return fmt.Sprintf("seq %d is beyond the head of the changes feed (%d)", e.After, e.Head)
}

// Is makes errors.Is(err, ErrGone) hold.
func (e *FeedPositionError) Is(target error) bool { return target == ErrGone }

// Changes lists committed changes after seq p.After, in seq order, at most
// p.Limit of them, with the feed's epoch and the cursor that continues
// after the page.
//
// Seq order is commit order on both databases (see the 00005_changes
// migrations: on PostgreSQL the seq is taken at commit, under a lock), and
// every snapshot sees a prefix of the seqs; so a client that resumes after
// the last seq it saw sees every change exactly once. Rows are never
// updated or deleted.
//
// A position that does not belong to this feed is a *FeedPositionError:
// epoch, when not empty, must be the current epoch; and p.After may not be
// beyond the head, the last seq committed (equal to it is the normal
// position of a client that has caught up). Because every snapshot sees a
// prefix of the seqs, every seq a client was ever served is at most the
// head of any later snapshot, so a position beyond it was not issued by
// this feed: it comes from another lineage (e.g. the database before a
// restore), and an empty page would hide every change until the numbers
// caught up. The epoch and the head are read in one statement before the
// page; both only ever grow or change forward, so a page read later is at
// least as new.
func (s *Store) Changes(ctx context.Context, p Page, epoch string) (FeedPage, error) {
	db := s.db.WithContext(ctx)
	var cur struct {
		Epoch string
		Head  int64
	}
	err := db.Raw(`SELECT (SELECT epoch FROM feed_epochs ORDER BY id DESC LIMIT 1) AS epoch,
		(SELECT COALESCE(MAX(seq), 0) FROM changes) AS head`).Scan(&cur).Error
	if err != nil {
		return FeedPage{}, fmt.Errorf("read the feed's epoch: %w", classify(err))
	}
	if cur.Epoch == "" {
		return FeedPage{}, errors.New("read the feed's epoch: feed_epochs is empty")
	}
	pos := &FeedPositionError{GivenEpoch: epoch, After: p.After, Epoch: cur.Epoch, Head: cur.Head}
	switch {
	case epoch != "" && epoch != cur.Epoch:
		pos.Problem = EpochChanged
		return FeedPage{Epoch: cur.Epoch}, pos
	case p.After > cur.Head:
		pos.Problem = BeyondHead
		return FeedPage{Epoch: cur.Epoch}, pos
	}
	var rows []models.Change
	err = db.Where("seq > ? AND entity NOT IN ?", p.After, privateEntities).
		Order("seq").Limit(p.limit() + 1).Find(&rows).Error
	if err != nil {
		return FeedPage{}, fmt.Errorf("list changes: %w", classify(err))
	}
	rows, next := trim(rows, p, func(c models.Change) int64 { return c.Seq })
	return FeedPage{Epoch: cur.Epoch, Rows: rows, Next: next}, nil
}

// FeedEpoch is the changes feed's current epoch.
func (s *Store) FeedEpoch(ctx context.Context) (models.FeedEpoch, error) {
	var e models.FeedEpoch
	if err := s.db.WithContext(ctx).Order("id DESC").Take(&e).Error; err != nil {
		return e, fmt.Errorf("read the feed's epoch: %w", classify(err))
	}
	return e, nil
}

// StartFeedEpoch starts a new epoch of the changes feed and returns it:
// from its commit on, pages carry the new epoch, and a partner naming an
// earlier one gets a *FeedPositionError (410), so that it resynchronises
// from an export instead of resuming at a position that no longer
// describes the catalogue. Call it inside the transaction of the change
// that breaks positions (s bound by InTx, as ImportNDJSON does), so that
// the change and the new epoch commit together or not at all.
func (s *Store) StartFeedEpoch(ctx context.Context, reason models.EpochReason) (string, error) {
	if !s.inTx {
		return "", errors.New("start a feed epoch: call it inside the transaction of the change (Store.InTx)")
	}
	if err := reason.Validate(); err != nil {
		return "", fmt.Errorf("start a feed epoch: %w", err)
	}
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("start a feed epoch: %w", err)
	}
	e := models.FeedEpoch{Epoch: "ep_" + hex.EncodeToString(b), Reason: reason, StartedAt: now()}
	if err := s.db.WithContext(ctx).Create(&e).Error; err != nil {
		return "", fmt.Errorf("start a feed epoch: %w", classify(err))
	}
	return e.Epoch, nil
}
