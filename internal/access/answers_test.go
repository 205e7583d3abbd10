package access_test

import (
	"strings"
	"testing"
	"time"

	"github.com/bestowhq/bestow/internal/access"
)

func TestCheckAnswers(t *testing.T) { // POL-5
	yes, multi := true, true
	p := access.Policy{DisplayName: "p", RequestApprovalSettings: access.ApprovalSettings{IsRequestorJustificationRequired: true},
		Questions: []access.Question{
			{Type: "#microsoft.graph.accessPackageTextInputQuestion", ID: "ticket", Text: "Ticket?", IsRequired: true, RegexPattern: "T-[0-9]+", IsSingleLineQuestion: &yes},
			{Type: "#microsoft.graph.accessPackageMultipleChoiceQuestion", ID: "region", Text: "Region?", IsMultipleSelectionAllowed: &multi,
				Choices: []access.Choice{{ActualValue: "eu"}, {ActualValue: "us"}}},
		}}
	ans := func(kv ...string) []access.Answer {
		var out []access.Answer
		for i := 0; i < len(kv); i += 2 {
			out = append(out, access.Answer{AnsweredQuestion: access.QuestionRef{ID: kv[i]}, Value: kv[i+1]})
		}
		return out
	}
	if err := p.CheckAnswers("need it", ans("ticket", "T-42", "region", "eu, us")); err != nil {
		t.Fatalf("good answers refused: %v", err)
	}
	for name, c := range map[string]struct {
		just    string
		answers []access.Answer
		want    string
	}{
		"justification":  {"", ans("ticket", "T-1"), "requires a justification"},
		"required":       {"x", nil, "'Ticket?' is required"},
		"pattern, whole": {"x", ans("ticket", "T-1 and more"), "expected form"},
		"single line":    {"x", ans("ticket", "T-1\nT-2"), "single line"},
		"choice":         {"x", ans("ticket", "T-1", "region", "asia"), "not a choice"},
		"unknown":        {"x", ans("ticket", "T-1", "color", "red"), "does not ask"},
		"answered twice": {"x", ans("ticket", "T-1", "ticket", "T-2"), "answered twice"},
	} {
		err := p.CheckAnswers(c.just, c.answers)
		if err == nil || !strings.Contains(err.Error(), c.want) || access.KindOf(err) != access.KindInvalid {
			t.Errorf("%s: got %v, want Invalid mentioning %q", name, err, c.want)
		}
	}
}

func TestScheduleFor(t *testing.T) { // POL-6
	now := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	d30 := access.Duration(30 * 24 * time.Hour)
	d7 := access.Duration(7 * 24 * time.Hour)
	d60 := access.Duration(60 * 24 * time.Hour)
	at := func(days int) *time.Time { t := now.Add(time.Duration(days) * 24 * time.Hour); return &t }
	fixed := access.Policy{DisplayName: "fixed", Expiration: access.Expiration{Type: access.ExpireAfterDuration, Duration: &d30}}
	custom := fixed
	custom.RequestorSettings.AllowCustomAssignmentSchedule = true
	never := access.Policy{DisplayName: "never", Expiration: access.Expiration{Type: access.ExpireNever}, RequestorSettings: access.RequestorSettings{AllowCustomAssignmentSchedule: true}}

	w, err := fixed.ScheduleFor(access.Schedule{}, now)
	if err != nil || !w.Start.Equal(now) || !w.End.Equal(*at(30)) {
		t.Errorf("default schedule: %+v %v", w, err)
	}
	w, err = custom.ScheduleFor(access.Schedule{StartDateTime: at(5), Expiration: &access.Expiration{Type: access.ExpireAfterDuration, Duration: &d7}}, now)
	if err != nil || !w.Start.Equal(*at(5)) || !w.End.Equal(*at(12)) {
		t.Errorf("custom start and shorter duration: %+v %v", w, err)
	}
	if w, err = never.ScheduleFor(access.Schedule{}, now); err != nil || w.End != nil {
		t.Errorf("never expires: %+v %v", w, err)
	}
	for name, c := range map[string]struct {
		p    access.Policy
		s    access.Schedule
		want string
	}{
		"custom not allowed": {fixed, access.Schedule{StartDateTime: at(1)}, "does not let requestors choose"},
		"past start":         {custom, access.Schedule{StartDateTime: at(-2)}, "in the past"},
		"beyond the policy":  {custom, access.Schedule{Expiration: &access.Expiration{Type: access.ExpireAfterDuration, Duration: &d60}}, "later than policy"},
		"end before start":   {custom, access.Schedule{StartDateTime: at(5), Expiration: &access.Expiration{Type: access.ExpireAfterDateTime, EndDateTime: at(3)}}, "not after the start"},
		"never, but capped":  {custom, access.Schedule{Expiration: &access.Expiration{Type: access.ExpireNever}}, "never expires"},
	} {
		_, err := c.p.ScheduleFor(c.s, now)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want mention of %q", name, err, c.want)
		}
	}
}
