package odata

import (
	"fmt"
	"testing"
)

func TestHints(t *testing.T) {
	for filter, want := range map[string]string{
		"startswith(userPrincipalName,'ann')":                            "[{userPrincipalName ann true}]",
		"userPrincipalName eq 'a@x' and department eq 'Sales'":           "[{userPrincipalName a@x false}]",
		"'a@x' eq userPrincipalName":                                     "[{userPrincipalName a@x false}]",
		"startswith(userPrincipalName,'a') or department eq 'x'":         "[]",
		"not startswith(userPrincipalName,'a')":                          "[]",
		"userPrincipalName ne 'a'":                                       "[]",
		"startswith(displayName,'a')":                                    "[]",
		"(startswith(userPrincipalName,'a') and accountEnabled eq true)": "[{userPrincipalName a true}]",
	} {
		e, err := ParseFilter(filter)
		if err != nil {
			t.Fatalf("%s: %v", filter, err)
		}
		got := Hints(e, "userPrincipalName")
		if g := fmt.Sprint(got); g != want && !(want == "[]" && len(got) == 0) {
			t.Errorf("Hints(%s) = %s, want %s", filter, g, want)
		}
	}
}
