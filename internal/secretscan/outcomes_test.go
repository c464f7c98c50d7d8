package secretscan

import (
	"reflect"
	"testing"
)

// TestFeedbackOfKeptMatches: one item per token; a token that revoked a
// key in any report is a true positive even when a later report of it
// found the key revoked already; what is no key is a false positive; a
// well-formed key that opened nothing gets no label.
func TestFeedbackOfKeptMatches(t *testing.T) {
	kept := []Kept{
		{TokenHash: "bb", TokenType: "latchkey_api_key", Outcome: OutcomeUnknown},
		{TokenHash: "bb", TokenType: "latchkey_api_key", Outcome: OutcomeRevoked, KeyID: "key_x"},
		{TokenHash: "bb", TokenType: "latchkey_api_key", Outcome: OutcomeUnknown},
		{TokenHash: "aa", TokenType: "latchkey_api_key", Outcome: OutcomeNotAKey},
		{TokenHash: "aa", TokenType: "latchkey_api_key", Outcome: OutcomeNotAKey},
		{TokenHash: "cc", TokenType: "latchkey_api_key", Outcome: OutcomeUnknown},
		{TokenHash: "dd", TokenType: "latchkey_api_key", Outcome: OutcomeOtherEnvironment},
	}
	want := Feedback{
		{TokenHash: "aa", TokenType: "latchkey_api_key", Label: "false_positive"},
		{TokenHash: "bb", TokenType: "latchkey_api_key", Label: "true_positive"},
	}
	if got := FeedbackOf(kept); !reflect.DeepEqual(got, want) {
		t.Fatalf("FeedbackOf = %+v; want %+v", got, want)
	}
	if got := FeedbackOf(nil); got == nil || len(got) != 0 {
		t.Fatalf("FeedbackOf(nothing) = %#v; want an empty list (JSON [])", got)
	}
}
