// Package docs owns the connector's long-form documentation: one guide per
// flow (order-import.md, shipment-notification.md, stock-sync.md), the
// settings (configuration.md), day-to-day operation (operations.md) and the
// runbook of every stable error type (errors.md), which the errors in the
// code point at, and the Japanese operator guide for shop staff
// (ja/operator-guide.md). It holds no code; its test keeps README.md and
// these files in step with each other, with the error types and outcomes in
// the code (every one also in the Japanese guide) and with the runbook
// links of the alert rules and dashboard in deploy/.
package docs
