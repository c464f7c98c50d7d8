// Package invoke runs one function, or the authorizer, on a SAM-format
// event, as the Lambda runtime would, and renders its answer as the runtime
// does. `make invoke` and the fixture golden tests use it.
package invoke

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"reflect"

	"github.com/latchkey/latchkey/internal/app"
	"github.com/latchkey/latchkey/internal/authz"
	"github.com/latchkey/latchkey/internal/deps"
	"github.com/latchkey/latchkey/internal/functions"
	"github.com/latchkey/latchkey/internal/httpx"
	"github.com/latchkey/latchkey/internal/routes"
)

// lambdaError is how the Lambda runtime reports a handler's error; API
// Gateway reads "Unauthorized" from errorMessage for a 401.
type lambdaError struct {
	ErrorMessage string `json:"errorMessage"`
	ErrorType    string `json:"errorType"`
}

// Run decodes event for the named function (or "authorizer"), runs it over d
// and returns the answer as indented JSON.
func Run(ctx context.Context, d deps.Deps, name string, event []byte) ([]byte, error) {
	if name == routes.AuthorizerFunction {
		var req authz.Request
		if err := Decode(event, &req); err != nil {
			return nil, err
		}
		// The raw entry point, as the Lambda runtime calls it.
		a, err := functions.Authorizer(d)
		if err != nil {
			return nil, fmt.Errorf("authorizer: %w", err)
		}
		out, err := a.Invoke(ctx, event)
		if err != nil {
			return render(lambdaError{ErrorMessage: err.Error(), ErrorType: reflect.TypeOf(err).Elem().Name()})
		}
		var buf bytes.Buffer
		if err := json.Indent(&buf, out, "", "  "); err != nil {
			return nil, fmt.Errorf("authorizer answered invalid JSON: %w", err)
		}
		return append(buf.Bytes(), '\n'), nil
	}
	build, ok := functions.Handlers[name]
	if !ok {
		return nil, fmt.Errorf("no function %q; the functions are %v and %q", name, functions.Names(), routes.AuthorizerFunction)
	}
	var req httpx.Request
	if err := Decode(event, &req); err != nil {
		return nil, err
	}
	h, err := build(d)
	if err != nil {
		return nil, fmt.Errorf("function %s: %w", name, err)
	}
	resp, err := app.Wrap(d, h)(ctx, req)
	if err != nil {
		return render(lambdaError{ErrorMessage: err.Error(), ErrorType: reflect.TypeOf(err).Elem().Name()})
	}
	return render(resp)
}

// Decode reads an event strictly: an unknown field is an error, so a
// misspelt fixture fails instead of silently sending an empty value.
func Decode(event []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(event))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("decode event as %T: %w", v, err)
	}
	return nil
}

func render(v any) ([]byte, error) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}
