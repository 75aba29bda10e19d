// Package ecforce is a client for the ecforce admin REST API v2 (外部サービスAPI連携),
// limited to what the LOGILESS connector needs: reading orders with their
// lines and addresses, writing shipping results (送り状番号, 発送日, 配送業者),
// requesting sales processing (売上処理), changing an order's 対応状況, and
// reading and writing stock per location (ロケーションコード).
//
// Authentication is either a static API token or an API login ID and password
// exchanged at admins/sign_in for a token. ecforce allows only about five
// sign-ins per hour, so the signed-in token is cached in memory and in an
// optional TokenStore, a 401 triggers at most one new sign-in per request,
// and the client keeps a local sign-in budget so that it can never loop.
//
// The package owns the two auth strategies (plugged into the transport as
// httpapi.Authorizers) and the resources; every request goes through one
// httpapi.Transport, which waits on the shared httpapi.Limiter, sits out
// short 429s (a refused request was not processed) and retries 5xx answers
// and transport failures only for GETs, because a PUT or POST may have been
// applied before the connection failed: the caller must re-read and decide.
// Non-2xx answers are *httpapi.StatusError, wrapped with what was being done
// to which shop; httpapi.Rejected tells a refused request (400/422).
//
// Responses are JSON:API-style documents. The package has its own small,
// lenient decoder: ids may be strings or numbers, amounts may be numeric
// strings, relationship and included type names may be singular, plural or
// hyphenated, and times are ecforce's JST wall-clock strings ("2019/06/08
// 05:47:17"), decoded into Time, always in Japan time.
//
// Personal data: Address and Order print and log as masked summaries, and no
// error or log line ever carries the API token, the password or an address.
package ecforce
