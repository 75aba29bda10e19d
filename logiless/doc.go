// Package logiless is the connector's client for the LOGILESS (ロジレス)
// warehouse/order-management API: OAuth2 authorization with rotating
// refresh tokens, sales orders (受注伝票), outbound deliveries (出荷伝票),
// articles (商品), logical inventory (在庫) and the article map (商品対応表).
//
// # Authorization
//
// LOGILESS issues an access token and a refresh token, each valid for 30
// days; every refresh returns a new refresh token and the old one should be
// treated as spent. A [Client] therefore needs a [TokenStore]: it refreshes
// proactively (Config.RefreshBefore) and once after a 401, saves the rotated
// token before using it, and, with a [FileTokenStore], holds a file lock
// while refreshing so that a worker and the starter CLI never spend the same
// refresh token. When the refresh token itself is rejected the client
// returns [ErrReauthorizationNeeded]: an operator must run
// `starter logiless-auth --shop <code>` again.
//
// # Requests
//
// The package owns the OAuth strategy (an httpapi.Authorizer: bearer token,
// refreshed once after a 401) and the resources; every request goes through
// an [httpapi.Transport]. API requests wait on the shared [httpapi.Limiter]
// (LOGILESS targets about one request per second per merchant); a 429
// pauses it for every caller and is retried when the wait is short; 5xx
// answers and transport failures are retried only for reads (GETs and the
// search POSTs). Writes such as [Client.CreateSalesOrder] are never resent:
// the caller looks the order up by code and decides. Token requests are
// unpaced and sent once. Non-2xx answers become *httpapi.StatusError values
// wrapped with what was being done and what to do about it.
//
// Request bodies are JSON with every non-ASCII character escaped as \uNNNN,
// as the LOGILESS documentation asks. Responses are decoded leniently (ids,
// prices and quantities arrive as strings or numbers, flags as 0/1 or
// true/false). LOGILESS times carry no zone; they are read and written as
// Japan time (UTC+09:00).
//
// Secrets (access and refresh tokens, the client secret) never appear in
// errors or logs, and the buyer/recipient types hide personal data from fmt
// and log/slog.
package logiless
