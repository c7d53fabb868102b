package handlers

import (
	"strings"

	"claimgrade/grading"
)

// pageText is the fixed text of the public claim page in one language. The
// claim, the explanation and the evidence summaries are shown as stored
// (the claim in its own language, the rest as the editors wrote it); only
// these labels are translated.
type pageText struct {
	Title              string // the page's kind, before the claim number
	Claim              string
	InEnglish          string
	Therapy            string
	Verdict            string
	NotRated           string
	CertaintyOf        string
	RatedAt            string
	SourceRule         string
	SourceEditor       string
	OverrideRationale  string
	Explanation        string
	Appearances        string
	NoAppearances      string
	Publisher          string
	Published          string
	Evidence           string
	NoFindings         string
	Stance             string
	Finding            string
	Outcome            string
	Participants       string
	Effect             string
	Absolute           string
	WhatHappens        string
	Footnotes          string
	FullTable          string
	NotGraded          string
	EnglishEvidence    string
	FactCheckBy        string
	Version            string
	Ratings            map[grading.Rating]string
	Certainties        map[grading.Certainty]string
	Stances            map[grading.Stance]string
	CertaintyFootnoter string // the footer line on certainty
}

// pageTexts is the one table of the page's translations, by primary
// language subtag; en is the fallback for every other language.
// TestPageTexts checks that every language has every label.
var pageTexts = map[string]pageText{
	"en": {
		Title: "Fact check", Claim: "Claim", InEnglish: "In English", Therapy: "Therapy", Verdict: "Rating",
		NotRated:    "Not yet rated: no graded evidence decides this claim yet.",
		CertaintyOf: "Certainty of the evidence", RatedAt: "Rated",
		SourceRule: "Rated by the rating rules", SourceEditor: "Rated by an editor (override of the rules)",
		OverrideRationale: "Editor's rationale", Explanation: "Explanation",
		Appearances: "Where the claim appears", NoAppearances: "No appearance recorded.",
		Publisher: "Publisher", Published: "Published",
		Evidence: "Evidence: graded findings", NoFindings: "No finding is linked to this claim yet.",
		Stance: "Bearing on the claim", Finding: "Finding", Outcome: "Outcome, timepoint",
		Participants: "№ of participants (studies)", Effect: "Effect (95% CI)", Absolute: "Anticipated absolute effect",
		WhatHappens: "What happens, comments", Footnotes: "Explanations",
		FullTable: "Full summary-of-findings table of this question", NotGraded: "not graded",
		EnglishEvidence: "The evidence summaries are in English.", FactCheckBy: "Fact check by", Version: "version",
		Ratings: map[grading.Rating]string{grading.RatingAccurate: "Accurate", grading.RatingOverstated: "Overstated",
			grading.RatingUnproven: "Unproven", grading.RatingFalse: "False"},
		Certainties: map[grading.Certainty]string{grading.High: "High", grading.Moderate: "Moderate", grading.Low: "Low",
			grading.VeryLow: "Very low"},
		Stances: map[grading.Stance]string{grading.Supports: "supports the claim", grading.Refutes: "refutes the claim",
			grading.MixedStance: "points both ways", grading.Neutral: "context only"},
		CertaintyFootnoter: "Certainty from each finding's current grade only: drafts and unsubmitted assessments are never shown.",
	},
	"de": {
		Title: "Faktencheck", Claim: "Behauptung", InEnglish: "Auf Englisch", Therapy: "Therapie", Verdict: "Bewertung",
		NotRated:    "Noch nicht bewertet: Noch entscheidet keine bewertete Evidenz über diese Behauptung.",
		CertaintyOf: "Vertrauenswürdigkeit der Evidenz", RatedAt: "Bewertet am",
		SourceRule: "Bewertet nach den Bewertungsregeln", SourceEditor: "Von der Redaktion bewertet (abweichend von den Regeln)",
		OverrideRationale: "Begründung der Redaktion", Explanation: "Begründung",
		Appearances: "Wo die Behauptung erscheint", NoAppearances: "Kein Fundort erfasst.",
		Publisher: "Herausgeber", Published: "Veröffentlicht",
		Evidence: "Evidenz: bewertete Befunde", NoFindings: "Mit dieser Behauptung ist noch kein Befund verknüpft.",
		Stance: "Bezug zur Behauptung", Finding: "Befund", Outcome: "Endpunkt, Zeitpunkt",
		Participants: "Anzahl Teilnehmende (Studien)", Effect: "Effekt (95%-KI)", Absolute: "Erwarteter absoluter Effekt",
		WhatHappens: "Was passiert, Anmerkungen", Footnotes: "Erläuterungen",
		FullTable: "Vollständige Summary-of-Findings-Tabelle dieser Frage", NotGraded: "nicht bewertet",
		EnglishEvidence: "Die Zusammenfassungen der Evidenz sind auf Englisch.", FactCheckBy: "Faktencheck von", Version: "Version",
		Ratings: map[grading.Rating]string{grading.RatingAccurate: "Zutreffend", grading.RatingOverstated: "Übertrieben",
			grading.RatingUnproven: "Unbewiesen", grading.RatingFalse: "Falsch"},
		Certainties: map[grading.Certainty]string{grading.High: "Hoch", grading.Moderate: "Moderat", grading.Low: "Niedrig",
			grading.VeryLow: "Sehr niedrig"},
		Stances: map[grading.Stance]string{grading.Supports: "stützt die Behauptung", grading.Refutes: "widerlegt die Behauptung",
			grading.MixedStance: "weist in beide Richtungen", grading.Neutral: "nur Kontext"},
		CertaintyFootnoter: "Vertrauenswürdigkeit nur aus der aktuellen Bewertung jedes Befunds: Entwürfe und nicht eingereichte Beurteilungen werden nie gezeigt.",
	},
	"it": {
		Title: "Verifica dei fatti", Claim: "Affermazione", InEnglish: "In inglese", Therapy: "Terapia", Verdict: "Valutazione",
		NotRated:    "Non ancora valutata: nessuna prova valutata decide ancora questa affermazione.",
		CertaintyOf: "Certezza delle prove", RatedAt: "Valutata il",
		SourceRule: "Valutata secondo le regole di valutazione", SourceEditor: "Valutata dalla redazione (in deroga alle regole)",
		OverrideRationale: "Motivazione della redazione", Explanation: "Spiegazione",
		Appearances: "Dove compare l'affermazione", NoAppearances: "Nessuna fonte registrata.",
		Publisher: "Editore", Published: "Pubblicato",
		Evidence: "Prove: risultati valutati", NoFindings: "Nessun risultato è ancora collegato a questa affermazione.",
		Stance: "Rapporto con l'affermazione", Finding: "Risultato", Outcome: "Esito, momento",
		Participants: "N. di partecipanti (studi)", Effect: "Effetto (IC 95%)", Absolute: "Effetto assoluto atteso",
		WhatHappens: "Cosa succede, commenti", Footnotes: "Spiegazioni",
		FullTable: "Tabella completa dei risultati (summary of findings) di questa domanda", NotGraded: "non valutato",
		EnglishEvidence: "I riassunti delle prove sono in inglese.", FactCheckBy: "Verifica di", Version: "versione",
		Ratings: map[grading.Rating]string{grading.RatingAccurate: "Corretta", grading.RatingOverstated: "Esagerata",
			grading.RatingUnproven: "Non dimostrata", grading.RatingFalse: "Falsa"},
		Certainties: map[grading.Certainty]string{grading.High: "Alta", grading.Moderate: "Moderata", grading.Low: "Bassa",
			grading.VeryLow: "Molto bassa"},
		Stances: map[grading.Stance]string{grading.Supports: "sostiene l'affermazione", grading.Refutes: "confuta l'affermazione",
			grading.MixedStance: "va in entrambe le direzioni", grading.Neutral: "solo contesto"},
		CertaintyFootnoter: "Certezza solo dalla valutazione attuale di ogni risultato: bozze e giudizi non inviati non sono mai mostrati.",
	},
	"fr": {
		Title: "Vérification des faits", Claim: "Affirmation", InEnglish: "En anglais", Therapy: "Thérapie", Verdict: "Évaluation",
		NotRated:    "Pas encore évaluée : aucune donnée probante évaluée ne tranche encore cette affirmation.",
		CertaintyOf: "Niveau de certitude des données probantes", RatedAt: "Évaluée le",
		SourceRule: "Évaluée selon les règles d'évaluation", SourceEditor: "Évaluée par la rédaction (en dérogation aux règles)",
		OverrideRationale: "Justification de la rédaction", Explanation: "Explication",
		Appearances: "Où l'affirmation apparaît", NoAppearances: "Aucune parution enregistrée.",
		Publisher: "Éditeur", Published: "Publié",
		Evidence: "Données probantes : résultats évalués", NoFindings: "Aucun résultat n'est encore lié à cette affirmation.",
		Stance: "Rapport à l'affirmation", Finding: "Résultat", Outcome: "Critère de jugement, moment",
		Participants: "Nbre de participants (études)", Effect: "Effet (IC à 95 %)", Absolute: "Effet absolu attendu",
		WhatHappens: "Ce qui se passe, commentaires", Footnotes: "Explications",
		FullTable: "Tableau complet du résumé des résultats de cette question", NotGraded: "non évalué",
		EnglishEvidence: "Les résumés des données probantes sont en anglais.", FactCheckBy: "Vérification par", Version: "version",
		Ratings: map[grading.Rating]string{grading.RatingAccurate: "Exacte", grading.RatingOverstated: "Exagérée",
			grading.RatingUnproven: "Non prouvée", grading.RatingFalse: "Fausse"},
		Certainties: map[grading.Certainty]string{grading.High: "Élevé", grading.Moderate: "Modéré", grading.Low: "Faible",
			grading.VeryLow: "Très faible"},
		Stances: map[grading.Stance]string{grading.Supports: "soutient l'affirmation", grading.Refutes: "réfute l'affirmation",
			grading.MixedStance: "va dans les deux sens", grading.Neutral: "contexte seulement"},
		CertaintyFootnoter: "Certitude tirée uniquement de l'évaluation actuelle de chaque résultat : les brouillons et les évaluations non soumises ne sont jamais montrés.",
	},
}

// textFor picks the labels for a BCP 47 language tag by its primary
// subtag ("de-CH" is de), falling back to English.
func textFor(lang string) pageText {
	primary, _, _ := strings.Cut(strings.ToLower(lang), "-")
	if t, ok := pageTexts[primary]; ok {
		return t
	}
	return pageTexts["en"]
}
