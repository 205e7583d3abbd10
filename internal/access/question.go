package access

import (
	"regexp"
	"strings"
)

// Question is asked of requestors when they request (POL-5): short or long text (with an
// optional pattern) or multiple choice.
type Question struct {
	Type                       string         `json:"@odata.type"`
	ID                         string         `json:"id"`
	Text                       string         `json:"text"`
	Localizations              []Localization `json:"localizations"`
	IsRequired                 bool           `json:"isRequired"`
	IsAnswerEditable           bool           `json:"isAnswerEditable"`
	Sequence                   int            `json:"sequence"`
	IsSingleLineQuestion       *bool          `json:"isSingleLineQuestion,omitempty"`
	RegexPattern               string         `json:"regexPattern,omitempty"`
	Choices                    []Choice       `json:"choices,omitempty"`
	IsMultipleSelectionAllowed *bool          `json:"isMultipleSelectionAllowed,omitempty"`
}

// Localization is a translated text.
type Localization struct {
	LanguageCode string `json:"languageCode"`
	Text         string `json:"text"`
}

// Choice is one answer of a multiple-choice question.
type Choice struct {
	ActualValue   string         `json:"actualValue"`
	Text          string         `json:"text"`
	Localizations []Localization `json:"localizations"`
}

// Question kinds (the short names of their @odata.type).
const (
	QuestionText           = "accessPackageTextInputQuestion"
	QuestionMultipleChoice = "accessPackageMultipleChoiceQuestion"
)

// Kind returns the short kind name of the question.
func (q *Question) Kind() string { return strings.TrimPrefix(q.Type, "#microsoft.graph.") }

func (p *Policy) validateQuestions(ids IDs) error {
	if p.Questions == nil {
		p.Questions = []Question{}
	}
	seen := map[string]bool{}
	for i := range p.Questions {
		q := &p.Questions[i]
		where := "questions[" + itoa(i) + "]"
		t, ok := normalizeODataType(q.Type, []string{QuestionText, QuestionMultipleChoice})
		if !ok {
			return Ec(KindInvalid, "InvalidODataType", "%s: @odata.type '%s' is not a question; use #microsoft.graph.accessPackageTextInputQuestion or #microsoft.graph.accessPackageMultipleChoiceQuestion", where, q.Type)
		}
		q.Type = t
		if q.ID == "" {
			q.ID = ids.NewID()
		}
		if seen[q.ID] {
			return invalid("%s: id '%s' is used by two questions", where, q.ID)
		}
		seen[q.ID] = true
		if strings.TrimSpace(q.Text) == "" {
			return invalid("%s: text is required", where)
		}
		if q.Localizations == nil {
			q.Localizations = []Localization{}
		}
		if q.Sequence == 0 {
			q.Sequence = i
		}
		switch q.Kind() {
		case QuestionText:
			if q.IsSingleLineQuestion == nil {
				t := true
				q.IsSingleLineQuestion = &t
			}
			if q.RegexPattern != "" {
				if _, err := regexp.Compile(q.RegexPattern); err != nil {
					return invalid("%s: regexPattern does not compile: %v", where, err)
				}
			}
			if len(q.Choices) > 0 {
				return invalid("%s: a text question takes no choices", where)
			}
		case QuestionMultipleChoice:
			if len(q.Choices) == 0 {
				return invalid("%s: a multiple choice question needs at least one choice", where)
			}
			if q.IsMultipleSelectionAllowed == nil {
				f := false
				q.IsMultipleSelectionAllowed = &f
			}
			values := map[string]bool{}
			for j, c := range q.Choices {
				if c.ActualValue == "" || values[c.ActualValue] {
					return invalid("%s.choices[%d]: actualValue must be set and unique", where, j)
				}
				values[c.ActualValue] = true
				if q.Choices[j].Localizations == nil {
					q.Choices[j].Localizations = []Localization{}
				}
			}
			if q.RegexPattern != "" {
				return invalid("%s: a multiple choice question takes no regexPattern", where)
			}
		}
	}
	return nil
}
