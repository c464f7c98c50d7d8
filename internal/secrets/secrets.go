// Package secrets reads the configuration's secrets from AWS Secrets Manager
// at a function's cold start. A deployment never puts a secret in an
// environment variable or in its template: it sets LATCHKEY_<NAME>_ARN to the
// ARN of the secret that holds it (an ARN is not itself a secret), and
// Resolve reads each named secret once, before the function serves anything.
package secrets

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/latchkey/latchkey/internal/config"
)

// Client is the one Secrets Manager call Resolve makes;
// *secretsmanager.Client has it.
type Client interface {
	GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, optFns ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)
}

var _ Client = (*secretsmanager.Client)(nil)

// NewClient returns a Secrets Manager client from the default AWS
// configuration chain (on Lambda: the function's role and region).
func NewClient(ctx context.Context) (*secretsmanager.Client, error) {
	cfg, err := awsconfig.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("load AWS configuration: %w", err)
	}
	return secretsmanager.NewFromConfig(cfg), nil
}

// Needed reports whether cfg names any secret by ARN.
func Needed(cfg config.Config) bool {
	return cfg.OIDCClientSecretARN != "" || cfg.GitHubClientSecretARN != "" ||
		cfg.LoginKeyARN != "" || cfg.OriginSecretARN != ""
}

// Origin is the JSON the origin-verification secret holds. CloudFront sends
// Current; the functions accept Current and, during a rotation, Next (the
// value CloudFront is about to send) and Previous (the one it may still be
// sending). The rotation (docs/SECURITY.md) moves a new value through Next,
// Current and Previous, so that whatever CloudFront sends is accepted by
// every function instance, whichever of them restarts first.
type Origin struct {
	Current  string `json:"current"`
	Next     string `json:"next,omitempty"`
	Previous string `json:"previous,omitempty"`
}

// MinOriginSecret is the shortest accepted origin-verification value; the
// infrastructure generates 48 characters.
const MinOriginSecret = 32

// Resolve reads every secret cfg names by ARN, concurrently, and stores the
// values in cfg: the OIDC and GitHub client secrets, the login key and the
// accepted origin secrets. It reports every failure at once. No error it
// returns contains a secret's value.
func Resolve(ctx context.Context, c Client, cfg *config.Config) error {
	type job struct {
		name string // the variable, for errors
		arn  string
		set  func(string) error
	}
	var jobs []job
	if cfg.OIDCClientSecretARN != "" {
		jobs = append(jobs, job{"LATCHKEY_OIDC_CLIENT_SECRET_ARN", cfg.OIDCClientSecretARN, func(s string) error {
			cfg.OIDCClientSecret = s
			return nil
		}})
	}
	if cfg.GitHubClientSecretARN != "" {
		jobs = append(jobs, job{"LATCHKEY_GITHUB_CLIENT_SECRET_ARN", cfg.GitHubClientSecretARN, func(s string) error {
			cfg.GitHubClientSecret = s
			return nil
		}})
	}
	if cfg.LoginKeyARN != "" {
		jobs = append(jobs, job{"LATCHKEY_LOGIN_KEY_ARN", cfg.LoginKeyARN, func(s string) error {
			key, err := config.DecodeLoginKey(s)
			cfg.LoginKey = key
			return err
		}})
	}
	if cfg.OriginSecretARN != "" {
		jobs = append(jobs, job{"LATCHKEY_ORIGIN_SECRET_ARN", cfg.OriginSecretARN, func(s string) error {
			o, err := parseOrigin(s)
			if err != nil {
				return err
			}
			cfg.OriginSecrets = []string{o.Current}
			for _, v := range []string{o.Next, o.Previous} {
				if v != "" {
					cfg.OriginSecrets = append(cfg.OriginSecrets, v)
				}
			}
			return nil
		}})
	}

	values := make([]string, len(jobs))
	errs := make([]error, len(jobs))
	var wg sync.WaitGroup
	for i, j := range jobs {
		wg.Go(func() {
			values[i], errs[i] = get(ctx, c, j.arn)
		})
	}
	wg.Wait()
	// The setters run here, one at a time, after every read.
	for i, j := range jobs {
		if errs[i] == nil {
			errs[i] = j.set(values[i])
		}
		if errs[i] != nil {
			errs[i] = fmt.Errorf("%s: %w", j.name, errs[i])
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("secrets: %w", err)
	}
	return nil
}

// get reads one secret's current string value, trimmed of surrounding
// white space (a secret pasted from a file often ends with a newline).
func get(ctx context.Context, c Client, arn string) (string, error) {
	out, err := c.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(arn)})
	if err != nil {
		return "", fmt.Errorf("get secret value: %w", err)
	}
	if out.SecretString == nil {
		return "", errors.New("the secret has no string value (a binary secret, or none yet)")
	}
	s := strings.TrimSpace(*out.SecretString)
	if s == "" {
		return "", errors.New("the secret is empty")
	}
	return s, nil
}

// parseOrigin reads the origin-verification secret. Unknown fields are
// refused, so a misspelt "next" or "previous" does not silently cut off
// CloudFront in the middle of a rotation.
func parseOrigin(s string) (Origin, error) {
	var o Origin
	dec := json.NewDecoder(bytes.NewReader([]byte(s)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&o); err != nil {
		// The decoder's message may quote the secret; say only what is wrong.
		return Origin{}, errors.New(`want JSON {"current": "…", "next": "…", "previous": "…"} with next and previous optional`)
	}
	if len(o.Current) < MinOriginSecret {
		return Origin{}, fmt.Errorf("current: want at least %d characters", MinOriginSecret)
	}
	for _, f := range []struct{ name, v string }{{"next", o.Next}, {"previous", o.Previous}} {
		if f.v != "" && len(f.v) < MinOriginSecret {
			return Origin{}, fmt.Errorf("%s: want at least %d characters, or leave it out", f.name, MinOriginSecret)
		}
	}
	return o, nil
}
