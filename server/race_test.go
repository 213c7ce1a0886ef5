//go:build race

package server_test

// raceEnabled: the backend under test is this test binary, which the race
// detector's shadow memory makes several times larger; memory bounds are
// asserted without it (make test-go runs them again without -race).
const raceEnabled = true
