package access

import (
	"regexp"
	"strings"
	"time"
)

// Answer is a requestor's answer to a policy question (Graph's accessPackageAnswerString).
type Answer struct {
	Type             string      `json:"@odata.type"`
	Value            string      `json:"value"`
	DisplayValue     string      `json:"displayValue,omitempty"`
	AnsweredQuestion QuestionRef `json:"answeredQuestion"`
}

// QuestionRef names the question an answer is for.
type QuestionRef struct {
	Type string `json:"@odata.type,omitempty"`
	ID   string `json:"id"`
	// Text is the question as it was asked, recorded with the answer so that approvers
	// and the history read it even after the policy changes.
	Text string `json:"text,omitempty"`
}

// labelAnswers records with each answer the question it answers, as the policy asks it.
func (p *Policy) labelAnswers(answers []Answer) {
	for i := range answers {
		for _, q := range p.Questions {
			if q.ID == answers[i].AnsweredQuestion.ID {
				answers[i].AnsweredQuestion.Type, answers[i].AnsweredQuestion.Text = q.Type, q.Text
			}
		}
	}
}

// CheckAnswers checks a request's justification and answers against the policy (POL-5):
// a required justification is present; every required question is answered; text answers
// match the question's pattern (the whole answer) and short text is one line; choices are
// among the offered values; no answer names an unknown question. The error says which
// question failed and what is expected.
func (p *Policy) CheckAnswers(justification string, answers []Answer) error {
	if p.RequestApprovalSettings.IsRequestorJustificationRequired && strings.TrimSpace(justification) == "" {
		return Ec(KindInvalid, "RequestorJustificationRequired", "policy '%s' requires a justification: say why you need this access", p.DisplayName)
	}
	byID := map[string]*Question{}
	for i := range p.Questions {
		byID[p.Questions[i].ID] = &p.Questions[i]
	}
	given := map[string]string{}
	for _, a := range answers {
		q, ok := byID[a.AnsweredQuestion.ID]
		if !ok {
			return invalid("an answer is for question '%s', which policy '%s' does not ask", a.AnsweredQuestion.ID, p.DisplayName)
		}
		if _, dup := given[q.ID]; dup {
			return invalid("question '%s' is answered twice", q.Text)
		}
		given[q.ID] = a.Value
	}
	for _, q := range p.Questions {
		v, ok := given[q.ID]
		if !ok || strings.TrimSpace(v) == "" {
			if q.IsRequired {
				return Ec(KindInvalid, "QuestionNotAnswered", "question '%s' is required: answer it", q.Text)
			}
			continue
		}
		if err := q.check(v); err != nil {
			return err
		}
	}
	return nil
}

// check validates one non-empty answer.
func (q *Question) check(v string) error {
	switch q.Kind() {
	case QuestionText:
		if q.IsSingleLineQuestion != nil && *q.IsSingleLineQuestion && strings.ContainsAny(v, "\r\n") {
			return invalid("the answer to '%s' must be a single line", q.Text)
		}
		if q.RegexPattern != "" {
			re, err := regexp.Compile(`^(?:` + q.RegexPattern + `)$`)
			if err != nil || !re.MatchString(v) {
				return Ec(KindInvalid, "AnswerDoesNotMatchPattern", "the answer '%s' to '%s' does not have the expected form (%s)", v, q.Text, q.RegexPattern)
			}
		}
	case QuestionMultipleChoice:
		values := []string{v}
		if q.IsMultipleSelectionAllowed != nil && *q.IsMultipleSelectionAllowed {
			values = strings.Split(v, ",")
		}
		for _, x := range values {
			if !q.offers(strings.TrimSpace(x)) {
				var opts []string
				for _, c := range q.Choices {
					opts = append(opts, c.ActualValue)
				}
				return invalid("'%s' is not a choice of '%s'; choose one of: %s", x, q.Text, strings.Join(opts, ", "))
			}
		}
	}
	return nil
}

func (q *Question) offers(v string) bool {
	for _, c := range q.Choices {
		if c.ActualValue == v {
			return true
		}
	}
	return false
}

// Schedule is when an assignment starts and ends (Graph's entitlementManagementSchedule,
// without recurrence).
type Schedule struct {
	StartDateTime *time.Time  `json:"startDateTime,omitempty"`
	Expiration    *Expiration `json:"expiration,omitempty"`
}

// Span is a resolved schedule: a start and, unless the access never expires, an end.
type Span struct {
	Start time.Time
	End   *time.Time
}

// ScheduleFor resolves the schedule of a new assignment under the policy (POL-6). Without
// a requested schedule access starts now and ends as the policy says. A requested start
// or end needs a policy that allows custom schedules; the start may not be in the past
// (more than a minute) and the end must come after the start and no later than the
// policy's own end, which is the documented precedence: the earlier of the two wins.
func (p *Policy) ScheduleFor(req Schedule, now time.Time) (Span, error) {
	custom := req.StartDateTime != nil || (req.Expiration != nil && req.Expiration.Type != "" && req.Expiration.Type != ExpireNotSpecified)
	if custom && !p.RequestorSettings.AllowCustomAssignmentSchedule {
		return Span{}, Ec(KindInvalid, "CustomScheduleNotAllowed", "policy '%s' does not let requestors choose their own start or end; leave schedule out", p.DisplayName)
	}
	w := Span{Start: now}
	if req.StartDateTime != nil {
		if req.StartDateTime.Before(now.Add(-time.Minute)) {
			return Span{}, invalid("schedule.startDateTime %s is in the past; leave it out to start now", req.StartDateTime.Format(time.RFC3339))
		}
		if req.StartDateTime.After(now) {
			w.Start = *req.StartDateTime
		}
	}
	var limit *time.Time
	switch p.Expiration.Type {
	case ExpireAfterDuration:
		t := w.Start.Add(time.Duration(*p.Expiration.Duration))
		limit = &t
	case ExpireAfterDateTime:
		limit = p.Expiration.EndDateTime
	}
	w.End = limit
	if req.Expiration != nil {
		var end *time.Time
		switch req.Expiration.Type {
		case ExpireAfterDuration:
			if req.Expiration.Duration == nil || *req.Expiration.Duration <= 0 {
				return Span{}, invalid("schedule.expiration.duration must be positive")
			}
			t := w.Start.Add(time.Duration(*req.Expiration.Duration))
			end = &t
		case ExpireAfterDateTime:
			end = req.Expiration.EndDateTime
			if end == nil {
				return Span{}, invalid("schedule.expiration.type afterDateTime needs endDateTime")
			}
		case ExpireNever:
			if limit != nil {
				return Span{}, invalid("policy '%s' ends access by %s; a request cannot ask for access that never expires", p.DisplayName, limit.Format(time.RFC3339))
			}
		}
		if end != nil {
			if !end.After(w.Start) {
				return Span{}, invalid("the requested end %s is not after the start %s", end.Format(time.RFC3339), w.Start.Format(time.RFC3339))
			}
			if limit != nil && end.After(*limit) {
				return Span{}, Ec(KindInvalid, "ScheduleOutsidePolicy", "the requested end %s is later than policy '%s' allows (%s); ask for an earlier end",
					end.Format(time.RFC3339), p.DisplayName, limit.Format(time.RFC3339))
			}
			w.End = end
		}
	}
	if w.End != nil && !w.End.After(w.Start) {
		return Span{}, invalid("policy '%s' ended access on %s, before the requested start", p.DisplayName, w.End.Format(time.RFC3339))
	}
	return w, nil
}

// requestedSchedule is the schedule a request keeps: its start (now or the requested
// future start) and its expiration as a rule — a duration counts from when access
// actually starts, after approval; a date stays a date. span is the schedule as checked at
// submission (POL-6).
func requestedSchedule(p *Policy, asked Schedule, span Span) Schedule {
	start := span.Start
	out := Schedule{StartDateTime: &start, Expiration: &Expiration{Type: ExpireNever}}
	switch {
	case asked.Expiration != nil && asked.Expiration.Type == ExpireAfterDuration:
		out.Expiration = &Expiration{Type: ExpireAfterDuration, Duration: asked.Expiration.Duration}
	case asked.Expiration != nil && asked.Expiration.Type == ExpireAfterDateTime:
		out.Expiration = &Expiration{Type: ExpireAfterDateTime, EndDateTime: span.End}
	case p.Expiration.Type == ExpireAfterDuration:
		out.Expiration = &Expiration{Type: ExpireAfterDuration, Duration: p.Expiration.Duration}
	case p.Expiration.Type == ExpireAfterDateTime:
		out.Expiration = &Expiration{Type: ExpireAfterDateTime, EndDateTime: span.End}
	}
	return out
}

// endFrom resolves when access that starts at start ends under this schedule; nil for
// never.
func (s Schedule) endFrom(start time.Time) *time.Time {
	e := s.Expiration
	switch {
	case e == nil:
		return nil
	case e.Type == ExpireAfterDuration && e.Duration != nil:
		t := start.Add(time.Duration(*e.Duration))
		return &t
	case e.Type == ExpireAfterDateTime:
		return e.EndDateTime
	}
	return nil
}
