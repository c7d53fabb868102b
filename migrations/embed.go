// Package migrations embeds the versioned SQL migrations, one folder per
// dialect. They are applied by the store (goose), never by gorm AutoMigrate.
package migrations

import "embed"

// FS holds postgres/*.sql and sqlite/*.sql.
//
//go:embed postgres/*.sql sqlite/*.sql
var FS embed.FS
