// Package protocol defines bdg-rpc's JSON-RPC protocol once, in Go: the
// method table (each method's name, params, result and servers) and the
// notification table, the records they carry, and the error model (kind,
// JSON-RPC code, exit code, hint). The worker, the backend and the offline
// answers serve what the table says; docs/PROTOCOL.md documents it, and the
// VS Code and Neovim clients get their names from a file generated from it
// (go generate ./rpc/protocol).
//
// The package holds types and tables only: it imports nothing of bdg-rpc
// and no JSON-RPC library.
package protocol

// Version is the version of bdg-rpc, reported by "bdg-rpc version", the
// worker's handshake and "initialize".
const Version = "0.1.0"

// ProtocolVersion is the version of the backend protocol of docs/PROTOCOL.md.
// It changes when a method, notification or field changes incompatibly.
const ProtocolVersion = "1"

//go:generate go test -run TestGenerated -update .
