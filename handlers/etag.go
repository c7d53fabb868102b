package handlers

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"claimgrade/models"
	"claimgrade/store"
)

// Entity tags.
//
// A resource that embeds nothing has the ETag "<version>". A document that
// embeds other records (a claim with its links, their sources and its
// grade; a source with the links and claims that cite it) has a strong ETag
// "<version>-<digest>": its own version and a digest over the id and
// version of every record it shows, computed from what the read loaded (no
// extra query). Whatever it embeds changes, the digest changes: a link's
// excerpt bumps the link's version, a source's title the source's version,
// a new grade is a new grade row, flags bump the claim's version.
//
// If-Match on an update accepts the document's current ETag (checked
// against a fresh read of the document, then the version goes to the
// store's atomic version check) or the resource's own "<version>", which is
// the ETag of the resource's own representation in write responses and
// the version field of every representation. Anything else is a 412.

// digestLength is how many bytes of SHA-256 the ETag keeps (64 bits: a
// validator, not a signature).
const digestLength = 8

// documentTag is the ETag of a document whose root is at version and whose
// embedded records write themselves into the digest.
func documentTag(version int64, embedded func(h hash.Hash)) string {
	h := sha256.New()
	embedded(h)
	return fmt.Sprintf(`"%d-%s"`, version, hex.EncodeToString(h.Sum(nil)[:digestLength]))
}

// claimTag covers the claim (its therapy and flags are in its row and its
// version), each link and its source, the current grade, and each
// evidence search (whose sources are ids only: a change of its list bumps
// its version).
func claimTag(d store.ClaimDetail) string {
	return documentTag(d.Claim.Version, func(h hash.Hash) {
		fmt.Fprintf(h, "claim %d %d therapy %d flags", d.Claim.ID, d.Claim.Version, d.Claim.TherapyID)
		for _, f := range d.Claim.Flags {
			fmt.Fprintf(h, " %s", f.Flag)
		}
		for _, l := range d.Appearances {
			fmt.Fprintf(h, "\nappearance %d %d source %d %d", l.ID, l.Version, l.Source.ID, l.Source.Version)
		}
		for _, cf := range d.Findings {
			fmt.Fprintf(h, "\nclaim finding %d %d ", cf.ID, cf.Version)
			findingDigest(h, cf.Finding)
		}
		for _, s := range d.Searches {
			fmt.Fprintf(h, "\nsearch %d %d", s.ID, s.Version)
		}
	})
}

// findingTag covers the finding (its flags bump its version), its question,
// each source attachment and its source.
func findingTag(f models.Finding) string {
	return documentTag(f.Version, func(h hash.Hash) { findingDigest(h, f) })
}

// findingDigest writes what a finding document shows into h: the finding,
// its flags, its question and each attachment with its source.
func findingDigest(h hash.Hash, f models.Finding) {
	fmt.Fprintf(h, "finding %d %d flags", f.ID, f.Version)
	for _, fl := range f.Flags {
		fmt.Fprintf(h, " %s", fl.Flag)
	}
	fmt.Fprintf(h, "\nquestion %d %d therapy %d", f.Question.ID, f.Question.Version, f.Question.TherapyID)
	for _, fs := range f.Sources {
		fmt.Fprintf(h, "\nfinding source %d %d source %d %d", fs.ID, fs.Version, fs.Source.ID, fs.Source.Version)
	}
	if f.GradeID != nil {
		fmt.Fprintf(h, "\ngrade %d", *f.GradeID)
	}
}

// sourceTag covers the source and each link to it with its claim.
func sourceTag(d store.SourceDetail) string {
	return documentTag(d.Source.Version, func(h hash.Hash) {
		fmt.Fprintf(h, "source %d %d", d.Source.ID, d.Source.Version)
		for _, l := range d.Links {
			fmt.Fprintf(h, "\nlink %d %d claim %d %d", l.Link.ID, l.Link.Version, l.Claim.ID, l.Claim.Version)
		}
	})
}

// ifMatchDocument is ifMatch for a resource whose GET is a document: it
// also accepts the document's ETag, returned in tag for the handler to
// compare with the current document's (checkDocument).
func ifMatchDocument(c *gin.Context, optional bool) (version int64, tag string, ok bool) {
	h := strings.TrimSpace(c.GetHeader("If-Match"))
	if optional && h == "" {
		return 0, "", true
	}
	if h != "" && h != "*" {
		first := strings.TrimSpace(strings.Split(h, ",")[0])
		t := strings.TrimPrefix(first, "W/")
		if v, digest, composite := strings.Cut(strings.Trim(t, `"`), "-"); composite {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n <= 0 || len(digest) != 2*digestLength {
				Fail(c, http.StatusPreconditionFailed, TypePrecondition, fmt.Sprintf("If-Match %s names no version of this resource", h))
				return 0, "", false
			}
			return n, t, true
		}
	}
	version, ok = ifMatch(c)
	return version, "", ok
}

// checkDocument compares the If-Match tag (when it named a document) with
// the document's current ETag.
func checkDocument(tag, current string) error {
	if tag == "" || tag == current {
		return nil
	}
	return &documentPreconditionError{current: current}
}
