// Package filelock owns the exclusive cross-process lock on a file
// (flock(2)) that the file stores hold across "re-read, renew, save": the
// LOGILESS token refresh and the ecforce sign-in.
package filelock
