package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"time"
)

// secretsStandIn is a local stand-in for AWS Secrets Manager: enough of its
// JSON protocol (the GetSecretValue action) for the SDK client of
// internal/secrets, on 127.0.0.1. A bootstrap is pointed at it with
// AWS_ENDPOINT_URL_SECRETS_MANAGER, the service-specific endpoint variable
// of the AWS SDKs ("Service-specific endpoints", AWS SDKs and Tools
// Reference Guide). It checks no signature: the values it holds are made
// for one run and never printed.
type secretsStandIn struct {
	srv    *httptest.Server
	calls  atomic.Int64
	delay  time.Duration
	values map[string]string // ARN → SecretString
}

// newSecretsStandIn serves values (ARN → secret string), each answer after
// delay (a stand-in for the network round trip to the regional endpoint).
func newSecretsStandIn(values map[string]string, delay time.Duration) *secretsStandIn {
	s := &secretsStandIn{values: values, delay: delay}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve)) // 127.0.0.1, a free port
	return s
}

// URL is the stand-in's endpoint.
func (s *secretsStandIn) URL() string { return s.srv.URL }

// Close stops the stand-in.
func (s *secretsStandIn) Close() { s.srv.Close() }

// serve answers GetSecretValue as Secrets Manager's JSON 1.1 protocol does:
// POST / with X-Amz-Target secretsmanager.GetSecretValue and a JSON body
// naming SecretId; errors as {"__type", "message"} with a 400.
func (s *secretsStandIn) serve(w http.ResponseWriter, r *http.Request) {
	s.calls.Add(1)
	if s.delay > 0 {
		time.Sleep(s.delay)
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	fail := func(kind, msg string) {
		w.WriteHeader(http.StatusBadRequest)
		_ = json.NewEncoder(w).Encode(map[string]string{"__type": kind, "message": msg})
	}
	if r.Method != http.MethodPost || r.Header.Get("X-Amz-Target") != "secretsmanager.GetSecretValue" {
		fail("UnknownOperationException", "this stand-in answers GetSecretValue only")
		return
	}
	var in struct{ SecretId string }
	if err := json.NewDecoder(io.LimitReader(r.Body, 64<<10)).Decode(&in); err != nil {
		fail("InvalidRequestException", "the body is not JSON")
		return
	}
	v, ok := s.values[in.SecretId]
	if !ok {
		fail("ResourceNotFoundException", "Secrets Manager can't find the specified secret.")
		return
	}
	_ = json.NewEncoder(w).Encode(map[string]any{
		"ARN": in.SecretId, "Name": in.SecretId[len(in.SecretId)-min(len(in.SecretId), 20):],
		"SecretString": v, "VersionId": "00000000-0000-4000-8000-000000000001",
		"VersionStages": []string{"AWSCURRENT"}, "CreatedDate": float64(time.Now().Unix()),
	})
}
