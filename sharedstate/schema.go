package sharedstate

// schema is created on first use by every process (CREATE … IF NOT EXISTS,
// under an advisory lock so that workers starting together do not race).
// docs/operations.md ("Several workers") describes it for operators; a test
// in this package checks both say the same table names.
const schema = `
CREATE TABLE IF NOT EXISTS connector_logiless_tokens (
    shop          text PRIMARY KEY,
    access_token  text NOT NULL,
    refresh_token text NOT NULL,
    expires_at    timestamptz,
    generation    bigint NOT NULL,
    saved_at      timestamptz NOT NULL
);
CREATE TABLE IF NOT EXISTS connector_ecforce_sessions (
    shop     text PRIMARY KEY,
    token    text NOT NULL,
    saved_at timestamptz NOT NULL
);
CREATE TABLE IF NOT EXISTS connector_ecforce_sign_ins (
    shop text NOT NULL,
    at   timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS connector_ecforce_sign_ins_shop_at ON connector_ecforce_sign_ins (shop, at);
CREATE TABLE IF NOT EXISTS connector_rate_budgets (
    budget     text PRIMARY KEY,
    next_at    timestamptz NOT NULL,
    hold_until timestamptz NOT NULL
);
CREATE TABLE IF NOT EXISTS connector_stock_sync_state (
    shop     text PRIMARY KEY,
    state    jsonb NOT NULL,
    saved_at timestamptz NOT NULL
);
`

// Tables are the tables of schema, for the documentation test.
var Tables = []string{"connector_logiless_tokens", "connector_ecforce_sessions", "connector_ecforce_sign_ins", "connector_rate_budgets", "connector_stock_sync_state"}

// Advisory lock keys: the first int4 says what is locked, the second is
// hashtext(shop). Two shops whose names hash alike only wait for each other.
const (
	lockSchema         = 0x636f6e00 // "con\0": creating the schema
	lockLogilessTokens = 0x636f6e01 // a shop's LOGILESS refresh
	lockEcforceSignIn  = 0x636f6e02 // a shop's ecforce sign-in
)
