package capture

import "github.com/go-json-experiment/json/jsontext"

// The CDP events of the console, decoded into only what the capture
// renders: lean types decode faster than cdproto's full ones, and console
// bursts are where the worker spends its time.

type remoteObject struct {
	Type                string         `json:"type"`
	Subtype             string         `json:"subtype"`
	ClassName           string         `json:"className"`
	Value               jsontext.Value `json:"value"`
	UnserializableValue string         `json:"unserializableValue"`
	Description         string         `json:"description"`
	Preview             *objectPreview `json:"preview"`
}

type objectPreview struct {
	Type        string            `json:"type"`
	Subtype     string            `json:"subtype"`
	Description string            `json:"description"`
	Overflow    bool              `json:"overflow"`
	Properties  []propertyPreview `json:"properties"`
	Entries     []entryPreview    `json:"entries"`
}

type propertyPreview struct {
	Name         string         `json:"name"`
	Type         string         `json:"type"`
	Value        string         `json:"value"`
	ValuePreview *objectPreview `json:"valuePreview"`
	Subtype      string         `json:"subtype"`
}

type entryPreview struct {
	Key   *objectPreview `json:"key"`
	Value *objectPreview `json:"value"`
}

type stackTrace struct {
	Description string      `json:"description"`
	CallFrames  []callFrame `json:"callFrames"`
	Parent      *stackTrace `json:"parent"`
}

type callFrame struct {
	FunctionName string `json:"functionName"`
	URL          string `json:"url"`
	LineNumber   int64  `json:"lineNumber"`
	ColumnNumber int64  `json:"columnNumber"`
}

type evConsoleAPICalled struct {
	Type       string         `json:"type"`
	Args       []remoteObject `json:"args"`
	Timestamp  float64        `json:"timestamp"`
	StackTrace *stackTrace    `json:"stackTrace"`
}

type evExceptionThrown struct {
	Timestamp        float64           `json:"timestamp"`
	ExceptionDetails *exceptionDetails `json:"exceptionDetails"`
}

type exceptionDetails struct {
	Text         string        `json:"text"`
	LineNumber   int64         `json:"lineNumber"`
	ColumnNumber int64         `json:"columnNumber"`
	URL          string        `json:"url"`
	StackTrace   *stackTrace   `json:"stackTrace"`
	Exception    *remoteObject `json:"exception"`
}

type evLogEntry struct {
	Entry *logEntry `json:"entry"`
}

type logEntry struct {
	Source     string      `json:"source"`
	Level      string      `json:"level"`
	Text       string      `json:"text"`
	Timestamp  float64     `json:"timestamp"`
	URL        string      `json:"url"`
	LineNumber int64       `json:"lineNumber"`
	StackTrace *stackTrace `json:"stackTrace"`
}
