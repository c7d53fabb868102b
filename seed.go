package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	"claimgrade/api"
	"claimgrade/store"
)

// seedIfEmpty loads the demo dataset into a database without claims.
func seedIfEmpty(ctx context.Context, st *store.Store, log *slog.Logger) error {
	return nil
}

func seedCommand(ctx context.Context, cfg api.Config, log *slog.Logger, stdout io.Writer) error {
	return fmt.Errorf("seed: not built yet")
}
