// Package rpc is bdg-rpc's JSON-RPC 2.0 plumbing: the newline-delimited
// codec every connection of the project goes through (Reader frames bytes
// into lines, Stream turns lines into checked messages for
// github.com/sourcegraph/jsonrpc2), the server side around it (Mux routes
// methods, Handle registers a handler for a method of the protocol's table
// and decodes its params strictly, Handler runs calls in order with
// cancellation and stops reading when a connection holds MaxCallsInFlight
// of them), and Call, the typed client call. Errors are
// *protocol.Error on both sides.
//
// The wire format is one JSON value per line, ended by "\n" ("\r\n" is
// accepted). docs/PROTOCOL.md describes it for clients.
package rpc
