// Package bench holds the connector's benchmarks, run by `make bench`:
// API calls per order and per stock sync, throughput against the sandbox's
// rate limits, wall time and memory. Figures go to BENCHMARKS.md with the
// command that produced them.
package bench
