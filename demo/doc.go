// Package demo holds what `make demo` runs: run.sh (the stack of a Temporal
// dev server, the sandbox APIs and the worker), env.sh (its settings) and the
// demo shop's shops file and mapping table. Its tests check that the script
// never destroys a running demo's state, keeps the previous run's logs, and
// writes its ports into the shops file it uses.
package demo
