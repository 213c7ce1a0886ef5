package protocol

import (
	"reflect"
	"slices"
)

// Servers says which servers answer a method.
type Servers uint8

const (
	// Worker: a session's worker, on its socket.
	Worker Servers = 1 << iota
	// Backend: bdg-rpc serve, for its clients.
	Backend
	// Offline: answered from the session's files when no worker runs, by
	// the same code the worker runs (design review issue #5).
	Offline
)

// Method is one method of the protocol. Its type carries its params P and
// its result R, so that a handler registered for it (rpc.Handle) and a
// typed call of it (rpc.Call) are checked by the compiler.
type Method[P, R any] struct {
	Name string
	// On lists the servers that answer it.
	On Servers
	// Routed methods are passed by the backend to the worker of the session
	// that their params name (P implements SessionNamer), or answered from
	// its files (Offline) when it has none.
	Routed bool
}

// MethodName returns the method's name.
func (m Method[P, R]) MethodName() string { return m.Name }

// Types exists for its signature: it lets rpc.Handle and rpc.Call infer and
// check the params and result types.
func (Method[P, R]) Types(P, R) {}

// Info describes the method for the table.
func (m Method[P, R]) Info() MethodInfo {
	return MethodInfo{Name: m.Name, On: m.On, Routed: m.Routed,
		Params: reflect.TypeFor[P](), Result: reflect.TypeFor[R]()}
}

// MethodInfo is a row of the method table.
type MethodInfo struct {
	Name   string
	On     Servers
	Routed bool
	Params reflect.Type
	Result reflect.Type
}

// SessionNamer is implemented by the params of routed methods.
type SessionNamer interface {
	SessionName() string
}

// None is the params of a method that takes none, and the result of one
// that answers null.
type None struct{}

// Methods is the method table: every method, in the order docs/PROTOCOL.md
// describes them. The worker, the backend and the offline answers serve
// what it says they serve (their tests check), the backend's "initialize"
// lists it, and the clients' generated files name it. Each method below
// adds its row: adding a method is one line here and its handler.
var Methods []MethodInfo

// define returns a method and adds its row to Methods.
func define[P, R any](name string, on Servers, routed bool) Method[P, R] {
	m := Method[P, R]{Name: name, On: on, Routed: routed}
	Methods = append(Methods, m.Info())
	return m
}

// The methods. Package variables are initialized in the order they are
// declared, which is the table's.
var (
	// Lifecycle of a backend connection, as in the Language Server Protocol.
	Initialize = define[InitializeParams, InitializeResult]("initialize", Backend, false)
	Shutdown   = define[None, Null]("shutdown", Backend, false)

	// Sessions.
	Start  = define[StartParams, StartResult]("session/start", Backend, false)
	Attach = define[AttachParams, AttachResult]("session/attach", Backend, false)
	Stop   = define[StopParams, StopResult]("session/stop", Worker|Backend, false)
	Status = define[StatusParams, StatusResult]("session/status", Worker|Backend, false)
	List   = define[None, ListResult]("session/list", Backend, false)

	// Queries of a session's capture, routed by the backend.
	Peek        = define[PeekParams, PeekResult]("session/peek", Worker|Backend|Offline, true)
	NetworkList = define[NetworkListParams, NetworkListResult]("network/list", Worker|Backend|Offline, true)
	NetworkGet  = define[NetworkGetParams, NetworkGetResult]("network/get", Worker|Backend|Offline, true)
	ConsoleList = define[ConsoleListParams, ConsoleListResult]("console/list", Worker|Backend|Offline, true)

	// Browsers.
	Tabs = define[TabsParams, TabsResult]("browser/tabs", Backend, false)

	// The page: inspect and drive it (drive.go), or send it raw CDP.
	Evaluate   = define[EvaluateParams, EvaluateResult]("page/evaluate", Worker|Backend, true)
	Navigate   = define[NavigateParams, NavigateResult]("page/navigate", Worker|Backend, true)
	Reload     = define[ReloadParams, NavigateResult]("page/reload", Worker|Backend, true)
	Back       = define[HistoryParams, NavigateResult]("page/back", Worker|Backend, true)
	Forward    = define[HistoryParams, NavigateResult]("page/forward", Worker|Backend, true)
	Screenshot = define[ScreenshotParams, ScreenshotResult]("page/screenshot", Worker|Backend, true)
	DOMQuery   = define[DOMQueryParams, DOMQueryResult]("dom/query", Worker|Backend, true)
	Snapshot   = define[SnapshotParams, SnapshotResult]("dom/snapshot", Worker|Backend, true)
	Click      = define[ClickParams, InputResult]("input/click", Worker|Backend, true)
	Fill       = define[FillParams, InputResult]("input/fill", Worker|Backend, true)
	Press      = define[PressParams, InputResult]("input/press", Worker|Backend, true)
	Hover      = define[HoverParams, InputResult]("input/hover", Worker|Backend, true)
	WaitFor    = define[WaitForParams, WaitForResult]("page/waitFor", Worker|Backend, true)
	Emulate    = define[EmulateParams, EmulateResult]("page/emulate", Worker|Backend, true)
	CDPSend    = define[CDPSendParams, RawResult]("cdp/send", Worker|Backend, true)

	// Source maps (sources.go): a script's place to its original source's.
	SourceResolve = define[SourceResolveParams, SourceResolveResult]("source/resolve", Worker|Backend, true)
	// The properties of an object a console message logged.
	ObjectProperties = define[ObjectPropertiesParams, ObjectPropertiesResult]("object/properties", Worker|Backend, true)

	// Events, on a worker's socket (the backend subscribes for its clients).
	Subscribe = define[SubscribeParams, SubscribeResult]("events/subscribe", Worker, false)
)

// MethodsOn returns the names of the methods that s answers, in table order.
func MethodsOn(s Servers) []string {
	var names []string
	for _, m := range Methods {
		if m.On&s != 0 {
			names = append(names, m.Name)
		}
	}
	return names
}

// Direction says who sends a notification.
type Direction uint8

const (
	ToClient Direction = iota + 1 // sent by the backend or a worker
	ToServer                      // sent by a client
)

// NotificationInfo is a row of the notification table.
type NotificationInfo struct {
	Name   string
	To     Direction
	Params reflect.Type
}

// Notification names. Every session event carries the session's name and,
// but for events/dropped, its seq.
const (
	NotifyConsole   = "console/message"
	NotifyRequest   = "network/request"
	NotifyResponse  = "network/response"
	NotifyFinished  = "network/finished"
	NotifyFailed    = "network/failed"
	NotifyNavigated = "page/navigated"
	// NotifyWebSocket is every change of a WebSocket, a request of
	// resourceType WebSocket: created, handshake answered, closed.
	NotifyWebSocket   = "network/websocket"
	NotifyFrame       = "websocket/frame"
	NotifyEventSource = "eventsource/message"
	NotifyAttached    = "target/attached"
	NotifyDetached    = "target/detached"
	NotifyEnded       = "session/ended"
	NotifyDropped     = "events/dropped"
	NotifyProgress    = "$/progress"

	NotifyInitialized = "initialized"
	NotifyExit        = "exit"
	NotifyCancel      = "$/cancelRequest"
)

// Notifications is the notification table, in the order "initialize"
// lists those a client receives.
var Notifications = []NotificationInfo{
	{NotifyConsole, ToClient, reflect.TypeFor[ConsoleEvent]()},
	{NotifyRequest, ToClient, reflect.TypeFor[NetworkEvent]()},
	{NotifyResponse, ToClient, reflect.TypeFor[NetworkEvent]()},
	{NotifyFinished, ToClient, reflect.TypeFor[NetworkEvent]()},
	{NotifyFailed, ToClient, reflect.TypeFor[NetworkEvent]()},
	{NotifyWebSocket, ToClient, reflect.TypeFor[NetworkEvent]()},
	{NotifyFrame, ToClient, reflect.TypeFor[WebSocketFrameEvent]()},
	{NotifyEventSource, ToClient, reflect.TypeFor[EventSourceEvent]()},
	{NotifyNavigated, ToClient, reflect.TypeFor[NavigatedEvent]()},
	{NotifyAttached, ToClient, reflect.TypeFor[TargetEvent]()},
	{NotifyDetached, ToClient, reflect.TypeFor[TargetEvent]()},
	{NotifyEnded, ToClient, reflect.TypeFor[EndedEvent]()},
	{NotifyDropped, ToClient, reflect.TypeFor[DroppedEvent]()},
	{NotifyProgress, ToClient, reflect.TypeFor[ProgressParams]()},
	{NotifyInitialized, ToServer, reflect.TypeFor[None]()},
	{NotifyExit, ToServer, reflect.TypeFor[None]()},
	{NotifyCancel, ToServer, reflect.TypeFor[CancelParams]()},
}

// BackendCapabilities is what the backend's "initialize" lists: its
// session methods in name order, then the lifecycle methods, and the
// notifications a client receives.
func BackendCapabilities() Capabilities {
	var methods, lifecycle []string
	for _, m := range Methods {
		switch {
		case m.On&Backend == 0:
		case m.Name == Initialize.Name || m.Name == Shutdown.Name:
			lifecycle = append(lifecycle, m.Name)
		default:
			methods = append(methods, m.Name)
		}
	}
	slices.Sort(methods)
	c := Capabilities{Methods: append(methods, lifecycle...)}
	for _, n := range Notifications {
		if n.To == ToClient {
			c.Notifications = append(c.Notifications, n.Name)
		}
	}
	return c
}
