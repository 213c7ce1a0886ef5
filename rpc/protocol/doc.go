// Package protocol defines bdg-rpc's JSON-RPC protocol once, in Go: the
// version, the method and notification names, their params and results,
// and the error codes. docs/PROTOCOL.md documents these types, and the VS
// Code extension and the Neovim client follow them.
package protocol

// Version is the version of bdg-rpc, reported by "bdg-rpc version", the
// worker's handshake and "initialize".
const Version = "0.1.0"
