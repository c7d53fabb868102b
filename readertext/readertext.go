// Package readertext writes what readers of claimgrade read, in their
// language: the verdict sentence of a claim's rating (the API's
// rating_summary), what its certainty is about, a plain sentence for each
// flag, the notices of retracted evidence, the summary-of-findings texts
// (effects in the outcome's own direction, absolute effects per 1,000, the
// GRADE 26 informative statements) and the labels of the public pages
// (DESIGN "What readers see").
//
// The words come from message catalogues, one file per language in
// locales/ (en, de, it, fr), embedded in the binary and read through
// go-i18n (github.com/nicksnyder/go-i18n/v2): each message is a
// text/template, chosen by CLDR plural category where it counts something,
// so that "1 RCT" and "3 RCT" (Italian) or "0 cas" and "2 cas" (French)
// follow each language's rules. Numbers are formatted by
// golang.org/x/text (CLDR: a decimal comma in de, it and fr). Every message
// of the English catalogue exists in every other, and every rating rule id
// has a verdict sentence in every language (readertext_test.go).
//
// The package is pure like grading: it reads only its embedded catalogues
// and the values passed in. Languages without a catalogue get English.
package readertext

import (
	"embed"
	"fmt"
	"io/fs"
	"math"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"github.com/nicksnyder/go-i18n/v2/i18n/template"
	"github.com/pelletier/go-toml/v2"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/number"

	"claimgrade/grading"
)

// Lang is a language the reader texts are written in: a catalogue in
// locales/.
type Lang string

// The languages with a catalogue.
const (
	English Lang = "en"
	German  Lang = "de"
	Italian Lang = "it"
	French  Lang = "fr"
)

// Langs returns the languages with a catalogue, English first. Each call
// returns a new slice.
func Langs() []Lang { return []Lang{English, German, Italian, French} }

// ParseLang accepts exactly the languages with a catalogue (the page's
// ?lang= parameter): "de", "it", "en", "fr".
func ParseLang(s string) (Lang, error) {
	if slices.Contains(Langs(), Lang(s)) {
		return Lang(s), nil
	}
	return "", &grading.VocabularyError{Vocabulary: "language", Value: s, Values: grading.Strings(Langs())}
}

// Of is the catalogue for a BCP 47 language tag, by its primary subtag
// ("de-CH" is de); English for a language without one.
func Of(tag string) Lang {
	primary, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(tag)), "-")
	if l, err := ParseLang(primary); err == nil {
		return l
	}
	return English
}

//go:embed locales/*.toml
var locales embed.FS

// catalogue is the bundle of every language's messages. It is built once
// from the embedded files and never changed, like a parsed template.
var catalogue = mustLoad(locales)

// texts holds one Text per language.
var texts = func() map[Lang]*Text {
	m := make(map[Lang]*Text, len(Langs()))
	for _, l := range Langs() {
		tag := language.MustParse(string(l))
		m[l] = &Text{lang: l, loc: i18n.NewLocalizer(catalogue.bundle, string(l)), english: i18n.NewLocalizer(catalogue.bundle, "en"),
			printer: message.NewPrinter(tag)}
	}
	return m
}()

// bundleOf is the loaded catalogues and the ids each language defines.
type bundleOf struct {
	bundle *i18n.Bundle
	ids    map[Lang][]*i18n.Message
	// counting holds the ids of the messages with plural forms (in the
	// English catalogue: one and other).
	counting map[string]bool
}

// mustLoad reads locales/<lang>.toml for every language; a catalogue that
// does not parse is a programming error (the tests load it too).
func mustLoad(fsys fs.FS) bundleOf {
	b := i18n.NewBundle(language.English)
	b.RegisterUnmarshalFunc("toml", toml.Unmarshal)
	out := bundleOf{bundle: b, ids: map[Lang][]*i18n.Message{}}
	for _, l := range Langs() {
		f, err := b.LoadMessageFileFS(fsys, path.Join("locales", string(l)+".toml"))
		if err != nil {
			panic(fmt.Sprintf("readertext: load the %s catalogue: %v", l, err))
		}
		out.ids[l] = f.Messages
	}
	out.counting = map[string]bool{}
	for _, m := range out.ids[English] {
		if m.One != "" {
			out.counting[m.ID] = true
		}
	}
	return out
}

// Text writes the reader texts of one language.
type Text struct {
	lang    Lang
	loc     *i18n.Localizer
	english *i18n.Localizer
	printer *message.Printer
	// failed, when set (tests), is told of every message that could not be
	// rendered in t's language.
	failed func(id string, err error)
}

// For returns the texts of language l (English for an unknown one).
func For(l Lang) *Text {
	if t, ok := texts[l]; ok {
		return t
	}
	return texts[English]
}

// ForTag returns the texts for a BCP 47 tag (Of).
func ForTag(tag string) *Text { return For(Of(tag)) }

// Lang is the language t writes.
func (t *Text) Lang() Lang { return t.lang }

// Data is what a message's template reads.
type Data map[string]any

// msg renders message id with data. The catalogues are complete (the tests
// prove it), so a failure is a programming error; it falls back to the
// English message, then to the id, rather than failing a page.
func (t *Text) msg(id string, data Data) string { return t.render(id, data, nil) }

// plural renders message id in the CLDR plural form of count.
func (t *Text) plural(id string, count int64, data Data) string {
	if data == nil {
		data = Data{}
	}
	if _, ok := data["Count"]; !ok {
		data["Count"] = t.Int(count)
	}
	return t.render(id, data, count)
}

// strict executes the catalogues' templates with missingkey=error: a
// message that reads a field its caller does not set fails (and the tests
// render every message) instead of printing "<no value>" to a reader.
var strict = &template.TextParser{Option: "missingkey=error"}

func (t *Text) render(id string, data Data, count any) string {
	s, err := t.renderErr(id, data, count)
	if err == nil {
		return s
	}
	if t.failed != nil {
		t.failed(id, err)
	}
	cfg := &i18n.LocalizeConfig{MessageID: id, TemplateData: map[string]any(data), PluralCount: count, TemplateParser: strict}
	if s, err := t.english.Localize(cfg); err == nil {
		return s
	}
	return id
}

// renderErr renders message id in t's language, or says why it cannot.
// A count selects the plural form of a counting message and is ignored by
// the others.
func (t *Text) renderErr(id string, data Data, count any) (string, error) {
	if !catalogue.counting[id] {
		count = nil
	}
	cfg := &i18n.LocalizeConfig{MessageID: id, TemplateData: map[string]any(data), PluralCount: count, TemplateParser: strict}
	s, tag, err := t.loc.LocalizeWithTag(cfg)
	if err == nil && tag.String() != string(t.lang) {
		err = fmt.Errorf("message %q has no %s text (got %s)", id, t.lang, tag)
	}
	return s, err
}

// has reports whether message id exists in the catalogues.
func has(id string) bool {
	return slices.ContainsFunc(catalogue.ids[English], func(m *i18n.Message) bool { return m.ID == id })
}

// Label is a fixed text of the pages ("label.<key>" in the catalogue).
func (t *Text) Label(key string) string { return t.msg("label."+key, nil) }

// Colon is the colon between a label and its value, as the language
// spaces it (": ", in French "\u00a0: ").
func (t *Text) Colon() string { return t.msg("punct.colon", nil) }

// Int writes an integer with the language's grouping: 1,082; 1.082;
// 1 082.
func (t *Text) Int(n int64) string { return t.printer.Sprint(number.Decimal(n)) }

// Number writes a stored value as stored, no digit added or dropped (0.5
// is "0.5", not "0.50"), with the language's decimal separator: 0,56 in
// de, it and fr.
func (t *Text) Number(x float64) string {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return strconv.FormatFloat(x, 'g', -1, 64)
	}
	s := strconv.FormatFloat(x, 'f', -1, 64)
	decimals := 0
	if _, frac, ok := strings.Cut(s, "."); ok {
		decimals = len(frac)
	}
	return t.printer.Sprint(number.Decimal(x, number.MinFractionDigits(decimals), number.MaxFractionDigits(decimals)))
}

// Per1000 writes a number per 1,000: whole from 10 up, one decimal below
// (2.5; a trailing ",0" dropped).
func (t *Text) Per1000(x float64) string {
	if math.Abs(x) >= 10 {
		return t.Int(int64(math.Round(x)))
	}
	return t.Number(math.Round(x*10) / 10)
}

// Percent writes a proportion as a percentage: whole percents from 10%,
// one decimal from 1%, two significant digits below (0.28%), with the
// language's separator and spacing (9,5 % in de and fr).
func (t *Text) Percent(x float64) string {
	p := math.Abs(x * 100)
	decimals := 0
	switch {
	case p == 0 || p >= 10:
	case p >= 1:
		decimals = 1
	default:
		decimals = 1 - int(math.Floor(math.Log10(p)))
	}
	return t.printer.Sprint(number.Percent(x, number.MaxFractionDigits(decimals)))
}
