// Package config reads the connector's settings: the process settings of a
// worker or the starter, from CONNECTOR_* environment variables (Process,
// LoadProcess), and the per-shop settings, from a YAML shops file (ShopsFile,
// LoadShops).
//
// A shop's settings mirror LOGILESS's own "ecforce API連携" settings screen
// (APIエンドポイント, 管理画面のログイン情報, ロケーションコード, 受注取込を
// 自動実行, 出荷通知を自動実行, 売上処理, 発送予定日, 対応状況を変更), plus what a
// stand-alone connector needs besides: LOGILESS OAuth client settings, how
// ecforce payment and delivery names map to LOGILESS enums, schedules, and
// the product mapping table file.
//
// Secrets never live in the shops file. A secret setting is a reference,
// {env: NAME} or {file: PATH}, resolved when the file is loaded into a
// Secret, a string that prints, logs and marshals as "[redacted]" and is
// read only through Secret.Reveal.
//
// shops.go holds the shops file's types and defaults, load.go its reading
// and parsing, validate.go its checks. Loading reports every problem at once, each naming the shop and the
// setting's path (`shop "demo": ecforce.base_url: "ftp://x" is not an
// http(s) URL`), as a *ValidationError.
package config
