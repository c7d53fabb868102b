package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	"claimgrade/api"
	"claimgrade/dataset"
	"claimgrade/store"
)

// seedIfEmpty loads the demo dataset into a database that holds no
// therapy and no claim, so that a first start opens onto real content.
func seedIfEmpty(ctx context.Context, st *store.Store, log *slog.Logger, requiredReviews int) error {
	empty, err := st.IsEmpty(ctx)
	if err != nil || !empty {
		return err
	}
	sum, err := loadDemo(ctx, st, requiredReviews)
	if err != nil {
		return err
	}
	log.Info(sum.String())
	return nil
}

func loadDemo(ctx context.Context, st *store.Store, requiredReviews int) (dataset.Summary, error) {
	d, err := dataset.Load()
	if err != nil {
		return dataset.Summary{}, err
	}
	return dataset.Seed(ctx, st, d, requiredReviews)
}

// seedCommand is `claimgrade seed`: migrate, then load the demo dataset
// unless this version is already loaded.
func seedCommand(ctx context.Context, cfg api.Config, log *slog.Logger, stdout io.Writer) error {
	st, err := openMigrated(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer st.Close()
	sum, err := loadDemo(ctx, st, cfg.RequiredReviews)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, sum)
	return nil
}
