package store

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"gorm.io/gorm"

	"claimgrade/models"
)

var (
	slugRE     = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	languageRE = regexp.MustCompile(`^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$`)
)

// AliasInput is another name of a therapy.
type AliasInput struct {
	Alias    string
	Language string
}

// TherapyInput creates a therapy.
type TherapyInput struct {
	Slug        string
	Name        string
	Description string
	Aliases     []AliasInput
}

// TherapyPatch changes a therapy; nil fields stay as they are. Aliases, when
// given, replace the whole list.
type TherapyPatch struct {
	Name        *string
	Description *string
	Aliases     *[]AliasInput
}

func validateTherapy(slug, name, description string, aliases []AliasInput) error {
	var p problems
	if !slugRE.MatchString(slug) || len(slug) > 64 {
		p.add("slug", "must be 1-64 lowercase letters, digits and single hyphens, e.g. infusion-therapy")
	}
	checkText(&p, "name", name, true, 200)
	checkText(&p, "description", description, false, 4000)
	seen := map[string]bool{strings.ToLower(slug): true}
	for i, a := range aliases {
		field := fmt.Sprintf("aliases[%d]", i)
		checkText(&p, field+".alias", a.Alias, true, 200)
		if a.Language != "" && !languageRE.MatchString(a.Language) {
			p.add(field+".language", "must be a BCP 47 language tag such as de, it, fr or en")
		}
		key := strings.ToLower(strings.TrimSpace(a.Alias))
		if seen[key] && key != strings.ToLower(slug) {
			p.add(field+".alias", "repeats another alias of this therapy")
		}
		seen[key] = true
	}
	return p.err()
}

// checkText validates a string field: required (non-blank) and at most max
// characters.
func checkText(p *problems, field, v string, required bool, max int) {
	switch {
	case required && strings.TrimSpace(v) == "":
		p.add(field, "is required")
	case len([]rune(v)) > max:
		p.add(field, "must be at most %d characters", max)
	}
}

func aliasRows(therapyID int64, slug string, in []AliasInput) []models.TherapyAlias {
	rows := make([]models.TherapyAlias, 0, len(in))
	for _, a := range in {
		key := strings.ToLower(strings.TrimSpace(a.Alias))
		if key == slug {
			continue // the slug finds the therapy already
		}
		rows = append(rows, models.TherapyAlias{TherapyID: therapyID, Alias: strings.TrimSpace(a.Alias), AliasKey: key, Language: a.Language})
	}
	return rows
}

// ListTherapies lists therapies by id with their aliases (two queries).
func (s *Store) ListTherapies(ctx context.Context, p Page) ([]models.Therapy, string, error) {
	q := s.db.WithContext(ctx).Preload("Aliases", func(db *gorm.DB) *gorm.DB { return db.Order("id") })
	if p.After > 0 {
		q = q.Where("id > ?", p.After)
	}
	var rows []models.Therapy
	if err := q.Order("id").Limit(p.limit() + 1).Find(&rows).Error; err != nil {
		return nil, "", fmt.Errorf("list therapies: %w", classify(err))
	}
	rows, cursor := trim(rows, p, func(t models.Therapy) int64 { return t.ID })
	return rows, cursor, nil
}

// GetTherapy finds a therapy by its slug or any of its aliases, in any case.
func (s *Store) GetTherapy(ctx context.Context, key string) (models.Therapy, error) {
	return s.therapyByKey(s.db.WithContext(ctx), key)
}

func (s *Store) therapyByKey(db *gorm.DB, key string) (models.Therapy, error) {
	k := strings.ToLower(strings.TrimSpace(key))
	var t models.Therapy
	err := db.Preload("Aliases", func(db *gorm.DB) *gorm.DB { return db.Order("id") }).
		Where("slug = ? OR id IN (SELECT therapy_id FROM therapy_aliases WHERE alias_key = ?)", k, k).
		Take(&t).Error
	if isNotFound(err) {
		return t, notFound("therapy", key)
	}
	if err != nil {
		return t, fmt.Errorf("find therapy %q: %w", key, classify(err))
	}
	return t, nil
}

// CreateTherapy stores a new therapy with its aliases.
func (s *Store) CreateTherapy(ctx context.Context, a Actor, in TherapyInput) (models.Therapy, error) {
	in.Slug = strings.TrimSpace(in.Slug)
	if err := validateTherapy(in.Slug, in.Name, in.Description, in.Aliases); err != nil {
		return models.Therapy{}, err
	}
	t := models.Therapy{Slug: in.Slug, Name: strings.TrimSpace(in.Name), Description: strings.TrimSpace(in.Description), Version: 1}
	err := s.tx(ctx, func(tx *gorm.DB) error {
		if err := s.checkAliasesFree(tx, 0, in.Slug, in.Aliases); err != nil {
			return err
		}
		if err := tx.Omit("Aliases").Create(&t).Error; err != nil {
			if errors.Is(classify(err), ErrConflict) {
				return s.therapyConflict(tx, in.Slug)
			}
			return fmt.Errorf("create therapy: %w", classify(err))
		}
		t.Aliases = aliasRows(t.ID, t.Slug, in.Aliases)
		if len(t.Aliases) > 0 {
			if err := tx.Create(&t.Aliases).Error; err != nil {
				return fmt.Errorf("create aliases: %w", classify(err))
			}
		}
		return audit(tx, a, "therapy.created", "therapy", t.ID, nil, nil, t)
	})
	return t, err
}

// checkAliasesFree reports a 409 when the slug or an alias already names
// another therapy.
func (s *Store) checkAliasesFree(tx *gorm.DB, selfID int64, slug string, aliases []AliasInput) error {
	keys := []string{strings.ToLower(slug)}
	for _, a := range aliases {
		keys = append(keys, strings.ToLower(strings.TrimSpace(a.Alias)))
	}
	var hit models.Therapy
	err := tx.Where("id <> ?", selfID).
		Where("slug IN ? OR id IN (SELECT therapy_id FROM therapy_aliases WHERE alias_key IN ?)", keys, keys).
		Take(&hit).Error
	if isNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("check therapy names: %w", classify(err))
	}
	return &ConflictError{Message: fmt.Sprintf("therapy %q (id %d) already uses this slug or one of these aliases", hit.Slug, hit.ID), Resource: "therapy", ExistingID: hit.ID}
}

func (s *Store) therapyConflict(tx *gorm.DB, slug string) error {
	var hit models.Therapy
	if err := tx.Where("slug = ?", slug).Take(&hit).Error; err == nil {
		return &ConflictError{Message: fmt.Sprintf("therapy %q already exists (id %d)", slug, hit.ID), Resource: "therapy", ExistingID: hit.ID}
	}
	return &ConflictError{Message: fmt.Sprintf("therapy %q conflicts with an existing therapy", slug), Resource: "therapy"}
}

// UpdateTherapy applies a patch if version is the therapy's current one.
func (s *Store) UpdateTherapy(ctx context.Context, a Actor, key string, version int64, patch TherapyPatch) (models.Therapy, error) {
	var t models.Therapy
	err := s.tx(ctx, func(tx *gorm.DB) error {
		var err error
		if t, err = s.therapyByKey(s.forUpdate(tx), key); err != nil {
			return err
		}
		if t.Version != version {
			return &PreconditionError{Current: t.Version}
		}
		before := t
		if patch.Name != nil {
			t.Name = strings.TrimSpace(*patch.Name)
		}
		if patch.Description != nil {
			t.Description = strings.TrimSpace(*patch.Description)
		}
		aliases := make([]AliasInput, len(t.Aliases))
		for i, al := range t.Aliases {
			aliases[i] = AliasInput{Alias: al.Alias, Language: al.Language}
		}
		if patch.Aliases != nil {
			aliases = *patch.Aliases
		}
		if err := validateTherapy(t.Slug, t.Name, t.Description, aliases); err != nil {
			return err
		}
		if patch.Aliases != nil {
			if err := s.checkAliasesFree(tx, t.ID, t.Slug, aliases); err != nil {
				return err
			}
			if err := tx.Where("therapy_id = ?", t.ID).Delete(&models.TherapyAlias{}).Error; err != nil {
				return fmt.Errorf("replace aliases: %w", classify(err))
			}
			t.Aliases = aliasRows(t.ID, t.Slug, aliases)
			if len(t.Aliases) > 0 {
				if err := tx.Create(&t.Aliases).Error; err != nil {
					return fmt.Errorf("replace aliases: %w", classify(err))
				}
			}
		}
		t.Version++
		t.UpdatedAt = now()
		// The row is locked (FOR UPDATE on PostgreSQL, an immediate transaction on
		// SQLite) and its version was checked above: nothing can have moved it.
		res := tx.Model(&models.Therapy{}).Where("id = ?", t.ID).
			Updates(map[string]any{"name": t.Name, "description": t.Description, "version": t.Version, "updated_at": t.UpdatedAt})
		if res.Error != nil {
			return fmt.Errorf("update therapy %d: %w", t.ID, classify(res.Error))
		}
		return audit(tx, a, "therapy.updated", "therapy", t.ID, nil, before, t)
	})
	return t, err
}
