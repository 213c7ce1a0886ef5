package cli

import (
	"context"
	"encoding/json"

	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
	"github.com/bdg-rpc/bdg-rpc/session/worker"
)

// okEnvelope is what --json prints on success.
type okEnvelope struct {
	Version string `json:"version"`
	Success bool   `json:"success"`
	Data    any    `json:"data"`
}

// errorEnvelope is what --json prints on failure.
type errorEnvelope struct {
	Version string        `json:"version"`
	Success bool          `json:"success"`
	Error   envelopeError `json:"error"`
}

type envelopeError struct {
	Code    int           `json:"code"` // the exit code
	Kind    protocol.Kind `json:"kind,omitempty"`
	Message string        `json:"message"`
	Hint    string        `json:"hint,omitempty"`
	Session string        `json:"session,omitempty"` // already_running: the session that runs, or watches the tab
}

func envelope(data any) okEnvelope {
	return okEnvelope{Version: protocol.Version, Success: true, Data: data}
}

func printJSON(env *Env, v any) error {
	enc := json.NewEncoder(env.Stdout)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// runWorker runs this process as a session worker.
func runWorker(_ context.Context, _ *Env, _ []string) error {
	if code := worker.Main(); code != 0 {
		return &exitStatus{code: code, msg: "worker exited with an error (see worker.log)"}
	}
	return nil
}
