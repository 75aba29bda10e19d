package config

import (
	"fmt"
	"regexp"
)

// WebhookSettings configures the shop's ecforce webhooks (ecforce's
// 「Webhook機能」 option): the worker's receiver answers
// POST /hooks/ecforce/<shop>/<secret> when CONNECTOR_WEBHOOK_ADDRESS is set
// and the shop has a secret. ecforce signs nothing, so the secret in the
// path is what tells a webhook of the shop from anybody's request.
type WebhookSettings struct {
	// Secret is the last part of the URL registered in ecforce's Webhook
	// 管理: 32 to 128 of A-Z, a-z, 0-9, - and _ (`openssl rand -hex 24`).
	// Unset: the shop takes no webhooks (requests for it get 404).
	Secret SecretRef `yaml:"secret"`
}

// Limits of a webhook secret: long enough not to be guessed, and made of
// characters that need no escaping in a URL path.
const (
	MinWebhookSecretLength = 32
	maxWebhookSecretLength = 128
)

var webhookSecretRE = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// Enabled reports whether the shop takes webhooks.
func (w WebhookSettings) Enabled() bool { return w.Secret.IsSet() }

// checkWebhookSecret says what is wrong with a resolved secret, never
// quoting it.
func checkWebhookSecret(v Secret) string {
	s := v.Reveal()
	switch {
	case len(s) < MinWebhookSecretLength || len(s) > maxWebhookSecretLength:
		return fmt.Sprintf("the secret has %d characters; use %d to %d (e.g. openssl rand -hex 24)", len(s), MinWebhookSecretLength, maxWebhookSecretLength)
	case !webhookSecretRE.MatchString(s):
		return "the secret may hold only A-Z, a-z, 0-9, - and _ (it is part of a URL)"
	}
	return ""
}
