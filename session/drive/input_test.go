package drive

import "testing"

// TestKeyDef: named keys, function keys and characters get what
// Input.dispatchKeyEvent needs; what is not a key gets nothing.
func TestKeyDef(t *testing.T) {
	for name, want := range map[string]keyDefinition{
		"Enter":  {"Enter", "Enter", "\r", 13},
		"Escape": {"Escape", "Escape", "", 27},
		"F5":     {"F5", "F5", "", 116},
		"a":      {"a", "KeyA", "a", 65},
		"Z":      {"Z", "KeyZ", "Z", 90},
		"7":      {"7", "Digit7", "7", 55},
		"é":      {"é", "", "é", 0},
		"F13":    {},
		"Ctrl":   {},
		"":       {},
	} {
		if got := keyDef(name); got != want {
			t.Errorf("keyDef(%q) = %+v, want %+v", name, got, want)
		}
	}
}
