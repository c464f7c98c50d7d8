package httpx

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/lambda"
)

// TestEncodedSizeIsWhatTheLambdaRuntimeSends: EncodedSize counts the bytes
// aws-lambda-go's runtime produces for the answer, the figure Lambda holds
// against MaxResponse.
func TestEncodedSizeIsWhatTheLambdaRuntimeSends(t *testing.T) {
	tests := []struct {
		name string
		resp Response
	}{
		{"an error answer", ErrorResponse(NotFound("post"))},
		{"a JSON body full of <", JSON(200, map[string]string{"body": strings.Repeat("<", 1000)})},
		{"quotes, backslashes and controls", JSON(200, []string{`"\` + "\x01\u2028é😀"})},
		{"raw HTML (an error page)", ErrorPage("Sign-in failed", BadRequest("<script>"))},
		{"multi-value headers and base64", Response{StatusCode: 200, MultiValueHeaders: map[string][]string{"Set-Cookie": {"a=1", "b=2"}},
			Body: "AAEC", IsBase64Encoded: true}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := lambda.NewHandler(func(context.Context, struct{}) (Response, error) { return tc.resp, nil })
			sent, err := h.Invoke(context.Background(), []byte(`{}`))
			if err != nil {
				t.Fatal(err)
			}
			if got := EncodedSize(tc.resp); got != len(sent) {
				t.Fatalf("EncodedSize = %d; want %d, what the runtime sends", got, len(sent))
			}
		})
	}
}
