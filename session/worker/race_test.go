//go:build race

package worker_test

// raceEnabled: the race detector multiplies the worker's memory (the test
// binary is the worker), so memory bounds are asserted without it (make
// stress asserts the hostile page's without it too).
const raceEnabled = true
