package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"hash/crc32"
	"math/big"
	"strings"
	"time"

	"gorm.io/gorm"

	"claimgrade/models"
)

// API keys look like cg_<22 base62 characters: 128 random bits><6 base62
// characters: CRC-32 of the random part>. The prefix makes leaked keys easy
// to scan for; the checksum rejects a mistyped key before any database
// look-up. Only the SHA-256 of the whole key is stored.
const (
	keyPrefix    = "cg_"
	keyBodyLen   = 22
	keyCheckLen  = 6
	keyLen       = len(keyPrefix) + keyBodyLen + keyCheckLen
	displayChars = 10
	base62       = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
)

// ErrUnauthenticated is the one answer to every key that does not
// authenticate: malformed, mistyped, unknown or revoked.
var ErrUnauthenticated = errors.New("invalid API key")

func encode62(n *big.Int, width int) string {
	b := make([]byte, width)
	base := big.NewInt(62)
	v := new(big.Int).Set(n)
	mod := new(big.Int)
	for i := width - 1; i >= 0; i-- {
		v.DivMod(v, base, mod)
		b[i] = base62[mod.Int64()]
	}
	return string(b)
}

func checksum(body string) string {
	return encode62(big.NewInt(int64(crc32.ChecksumIEEE([]byte(body)))), keyCheckLen)
}

// GenerateKey makes a new random API key.
func GenerateKey() (string, error) {
	buf := make([]byte, 16)
	if _, err := rand.Read(buf); err != nil {
		return "", fmt.Errorf("generate key: %w", err)
	}
	body := encode62(new(big.Int).SetBytes(buf), keyBodyLen)
	return keyPrefix + body + checksum(body), nil
}

// WellFormedKey reports whether key has the shape and checksum of a key
// this server issues.
func WellFormedKey(key string) bool {
	if len(key) != keyLen || !strings.HasPrefix(key, keyPrefix) {
		return false
	}
	for _, r := range key[len(keyPrefix):] {
		if !strings.ContainsRune(base62, r) {
			return false
		}
	}
	body := key[len(keyPrefix) : len(keyPrefix)+keyBodyLen]
	return subtle.ConstantTimeCompare([]byte(checksum(body)), []byte(key[len(keyPrefix)+keyBodyLen:])) == 1
}

func hashKey(key string) []byte {
	h := sha256.Sum256([]byte(key))
	return h[:]
}

// lastUsedResolution bounds how often a key's last_used_at is written.
const lastUsedResolution = time.Minute

// Authenticate finds the user of a key. Every failure is ErrUnauthenticated
// (or ErrUnavailable when the database cannot answer).
func (s *Store) Authenticate(ctx context.Context, key string) (models.User, models.APIKey, error) {
	if !WellFormedKey(key) {
		return models.User{}, models.APIKey{}, ErrUnauthenticated
	}
	h := hashKey(key)
	var k models.APIKey
	err := s.db.WithContext(ctx).Preload("User").Where("hash = ? AND revoked_at IS NULL", h).Take(&k).Error
	if isNotFound(err) {
		return models.User{}, models.APIKey{}, ErrUnauthenticated
	}
	if err != nil {
		return models.User{}, models.APIKey{}, fmt.Errorf("authenticate: %w", classify(err))
	}
	if subtle.ConstantTimeCompare(k.Hash, h) != 1 {
		return models.User{}, models.APIKey{}, ErrUnauthenticated
	}
	t := now()
	if k.LastUsedAt == nil || t.Sub(*k.LastUsedAt) >= lastUsedResolution {
		// Best effort: a failed stamp must not fail the request.
		s.db.WithContext(ctx).Model(&models.APIKey{}).Where("id = ?", k.ID).Update("last_used_at", t)
		k.LastUsedAt = &t
	}
	return k.User, k, nil
}

// CreateKey issues a key for the user called name, creating the user with
// role when it does not exist. The secret is returned once and never stored.
func (s *Store) CreateKey(ctx context.Context, a Actor, name string, role models.Role) (string, models.APIKey, error) {
	var p problems
	name = strings.TrimSpace(name)
	checkText(&p, "name", name, true, 100)
	p.validate("role", role)
	if err := p.err(); err != nil {
		return "", models.APIKey{}, err
	}
	secret, err := GenerateKey()
	if err != nil {
		return "", models.APIKey{}, err
	}
	var k models.APIKey
	err = s.tx(ctx, func(tx *gorm.DB) error {
		var u models.User
		err := tx.Where("name = ?", name).Take(&u).Error
		switch {
		case isNotFound(err):
			u = models.User{Name: name, Role: role, CreatedAt: now()}
			if err := tx.Create(&u).Error; err != nil {
				return fmt.Errorf("create user %q: %w", name, classify(err))
			}
			if err := audit(tx, a, "user.created", "user", u.ID, nil, nil, u); err != nil {
				return err
			}
		case err != nil:
			return fmt.Errorf("find user %q: %w", name, classify(err))
		case u.Role != role:
			return &ConflictError{Message: fmt.Sprintf("user %q exists with role %s, not %s", name, u.Role, role), Resource: "user", ExistingID: u.ID}
		}
		k = models.APIKey{UserID: u.ID, User: u, Name: name, Prefix: secret[:displayChars], Hash: hashKey(secret), CreatedAt: now()}
		if err := tx.Omit("User").Create(&k).Error; err != nil {
			return fmt.Errorf("create key: %w", classify(err))
		}
		return audit(tx, a, "key.created", "api_key", k.ID, nil, nil, k)
	})
	if err != nil {
		return "", models.APIKey{}, err
	}
	return secret, k, nil
}

// ListKeys lists keys by id with their users; never their secrets.
func (s *Store) ListKeys(ctx context.Context, p Page) ([]models.APIKey, string, error) {
	q := s.db.WithContext(ctx).Preload("User")
	if p.After > 0 {
		q = q.Where("id > ?", p.After)
	}
	var rows []models.APIKey
	if err := q.Order("id").Limit(p.limit() + 1).Find(&rows).Error; err != nil {
		return nil, "", fmt.Errorf("list keys: %w", classify(err))
	}
	rows, cursor := trim(rows, p, func(k models.APIKey) int64 { return k.ID })
	return rows, cursor, nil
}

// GetKey finds a key with its user; never its secret.
func (s *Store) GetKey(ctx context.Context, id int64) (models.APIKey, error) {
	var k models.APIKey
	err := s.db.WithContext(ctx).Preload("User").Take(&k, id).Error
	if isNotFound(err) {
		return k, notFound("key", id)
	}
	if err != nil {
		return k, fmt.Errorf("find key %d: %w", id, classify(err))
	}
	return k, nil
}

// RevokeKey revokes a key; the next request with it gets 401.
func (s *Store) RevokeKey(ctx context.Context, a Actor, id int64) (models.APIKey, error) {
	var k models.APIKey
	err := s.tx(ctx, func(tx *gorm.DB) error {
		if err := s.forUpdate(tx).Preload("User").Take(&k, id).Error; err != nil {
			if isNotFound(err) {
				return notFound("key", id)
			}
			return fmt.Errorf("find key %d: %w", id, classify(err))
		}
		if k.RevokedAt != nil {
			return nil
		}
		before := k
		t := now()
		k.RevokedAt = &t
		if err := tx.Model(&models.APIKey{}).Where("id = ?", id).Update("revoked_at", t).Error; err != nil {
			return fmt.Errorf("revoke key %d: %w", id, classify(err))
		}
		return audit(tx, a, "key.revoked", "api_key", id, nil, before, k)
	})
	return k, err
}

// CountKeys counts the keys that are not revoked.
func (s *Store) CountKeys(ctx context.Context) (int64, error) {
	var n int64
	if err := s.db.WithContext(ctx).Model(&models.APIKey{}).Where("revoked_at IS NULL").Count(&n).Error; err != nil {
		return 0, fmt.Errorf("count keys: %w", classify(err))
	}
	return n, nil
}

// UserByName finds a user.
func (s *Store) UserByName(ctx context.Context, name string) (models.User, error) {
	var u models.User
	err := s.db.WithContext(ctx).Where("name = ?", name).Take(&u).Error
	if isNotFound(err) {
		return u, notFound("user", name)
	}
	if err != nil {
		return u, fmt.Errorf("find user %q: %w", name, classify(err))
	}
	return u, nil
}

// EnsureUser returns the user called name, creating it with role when it
// does not exist (used by the demo dataset for its reviewers, who act
// without keys). An existing user with another role is a conflict.
func (s *Store) EnsureUser(ctx context.Context, a Actor, name string, role models.Role) (models.User, error) {
	var u models.User
	err := s.tx(ctx, func(tx *gorm.DB) error {
		err := tx.Where("name = ?", name).Take(&u).Error
		switch {
		case err == nil && u.Role != role:
			return &ConflictError{Message: fmt.Sprintf("user %q exists with role %s, not %s", name, u.Role, role), Resource: "user", ExistingID: u.ID}
		case err == nil:
			return nil
		case !isNotFound(err):
			return fmt.Errorf("find user %q: %w", name, classify(err))
		}
		u = models.User{Name: name, Role: role, CreatedAt: now()}
		if err := tx.Create(&u).Error; err != nil {
			return fmt.Errorf("create user %q: %w", name, classify(err))
		}
		return audit(tx, a, "user.created", "user", u.ID, nil, nil, u)
	})
	return u, err
}

// ActorFor is the actor of changes made on behalf of u.
func ActorFor(u models.User, requestID string) Actor {
	return Actor{UserID: u.ID, Name: u.Name, Role: u.Role, RequestID: requestID}
}
