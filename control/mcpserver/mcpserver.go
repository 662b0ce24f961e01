// Package mcpserver is `devserver mcp`: a Model Context Protocol server on
// stdio for coding agents, with the tools status, wait, errors, logs and
// restart. Each call asks the devserver that runs for the project over
// its control channel (package control), found anew at every call, so the
// agent may start before devserver does.
package mcpserver

import (
	"context"
	"io"
	"strings"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/devserver/devserver/control"
	"github.com/devserver/devserver/internal/recent"
)

// Find returns a client of the project's running devserver.
type Find func() (*control.Client, error)

// WaitInput is what wait and restart take.
type WaitInput struct {
	TimeoutSeconds int `json:"timeout_seconds,omitempty" jsonschema:"give up after this many seconds (default 120, at most 3600)"`
}

// RestartInput is restart's.
type RestartInput struct {
	Units          []string `json:"units,omitempty" jsonschema:"the units to restart, by name as status lists them (app, or a process's name); all when empty"`
	TimeoutSeconds int      `json:"timeout_seconds,omitempty" jsonschema:"give up waiting after this many seconds (default 120, at most 3600)"`
}

// LogsInput is logs'.
type LogsInput struct {
	Unit  string `json:"unit,omitempty" jsonschema:"one unit's lines (app, a process's name, or browser for the page's errors); every unit's when empty"`
	Lines int    `json:"lines,omitempty" jsonschema:"how many of the last lines (default 100, at most 1000)"`
}

// New returns the MCP server, its tools bound to find.
func New(find Find, version string) *mcp.Server {
	s := mcp.NewServer(&mcp.Implementation{Name: "devserver", Version: version}, &mcp.ServerOptions{
		Instructions: "devserver runs this project's app and processes and restarts them when files change. " +
			"After editing files, call wait: it returns once devserver has taken the edit and every unit is ready or failed, " +
			"with each failure's message, file:line and code. Use errors for the failures alone, logs for what a unit printed, " +
			"restart when a unit needs it by hand.",
	})
	t := tools{find: find}
	ro := &mcp.ToolAnnotations{ReadOnlyHint: true, IdempotentHint: true}
	mcp.AddTool(s, &mcp.Tool{Name: "status", Annotations: ro,
		Description: "What the running devserver does now: its URL, and each unit (the app and every process) with its state " +
			"(building, starting, ready, failed, stopped), pid, port, restarts and current failure."}, t.status)
	mcp.AddTool(s, &mcp.Tool{Name: "wait", Annotations: ro,
		Description: "Call after editing files. Waits until devserver has seen every change made so far and each unit has settled, " +
			"then says which units are ready and, for each one that failed, the error message, file:line, the code around it " +
			"and the last lines of its output. Fix those and call wait again."}, t.wait)
	mcp.AddTool(s, &mcp.Tool{Name: "errors", Annotations: ro,
		Description: "Each current failure: the unit, the error message, file:line, the code around it and the last lines of output; " +
			"and the errors the project's pages threw in the browser lately. Does not wait: call wait after an edit."}, t.errors)
	mcp.AddTool(s, &mcp.Tool{Name: "logs", Annotations: ro,
		Description: "The last lines a unit printed (or every unit), with their times: what a failure message leaves out."}, t.logs)
	mcp.AddTool(s, &mcp.Tool{Name: "restart", Annotations: &mcp.ToolAnnotations{IdempotentHint: true},
		Description: "Restart units by hand (all when none is named; the config is read again) and wait until they are ready or failed; " +
			"says the outcome as wait does. Not needed after an edit: devserver restarts what an edit touches by itself."}, t.restart)
	return s
}

// Serve runs the server on stdio until the client goes or ctx ends.
func Serve(ctx context.Context, find Find, version string) error {
	return New(find, version).Run(ctx, &mcp.StdioTransport{})
}

type tools struct{ find Find }

// answer finds the running devserver, asks it with ask, and gives back
// what ask says, as the tool's text. An error (no devserver, a refusal)
// is the tool's error, which the agent reads.
func (t tools) answer(ask func(*control.Client) (func(io.Writer), error)) (*mcp.CallToolResult, any, error) {
	c, err := t.find()
	if err != nil {
		return nil, nil, err
	}
	say, err := ask(c)
	if err != nil {
		return nil, nil, err
	}
	var b strings.Builder
	say(&b)
	return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: b.String()}}}, nil, nil
}

func (t tools) status(ctx context.Context, _ *mcp.CallToolRequest, _ struct{}) (*mcp.CallToolResult, any, error) {
	return t.answer(func(c *control.Client) (func(io.Writer), error) {
		st, err := c.Status(ctx)
		return func(w io.Writer) { control.PrintStatus(w, st) }, err
	})
}

func (t tools) wait(ctx context.Context, _ *mcp.CallToolRequest, in WaitInput) (*mcp.CallToolResult, any, error) {
	return t.answer(func(c *control.Client) (func(io.Writer), error) {
		s, err := c.Wait(ctx, seconds(in.TimeoutSeconds))
		return func(w io.Writer) { control.PrintSettled(w, s) }, err
	})
}

func (t tools) restart(ctx context.Context, _ *mcp.CallToolRequest, in RestartInput) (*mcp.CallToolResult, any, error) {
	return t.answer(func(c *control.Client) (func(io.Writer), error) {
		s, err := c.Restart(ctx, in.Units, seconds(in.TimeoutSeconds))
		return func(w io.Writer) { control.PrintSettled(w, s) }, err
	})
}

// browserShown is how many of the browser's latest error lines errors gives.
const browserShown = 20

func (t tools) errors(ctx context.Context, _ *mcp.CallToolRequest, _ struct{}) (*mcp.CallToolResult, any, error) {
	return t.answer(func(c *control.Client) (func(io.Writer), error) {
		st, err := c.Status(ctx)
		if err != nil {
			return nil, err
		}
		browser, err := lines(ctx, c, control.BrowserSource, browserShown)
		return func(w io.Writer) { control.PrintErrors(w, st, browser) }, err
	})
}

func (t tools) logs(ctx context.Context, _ *mcp.CallToolRequest, in LogsInput) (*mcp.CallToolResult, any, error) {
	n := in.Lines
	if n <= 0 || n > recent.MaxLines {
		n = min(max(n, 100), recent.MaxLines)
	}
	return t.answer(func(c *control.Client) (func(io.Writer), error) {
		got, err := lines(ctx, c, in.Unit, n)
		return func(w io.Writer) {
			for _, l := range got {
				control.PrintLine(w, l)
			}
			if len(got) == 0 {
				io.WriteString(w, "no lines yet\n")
			}
		}, err
	})
}

// lines are the last n lines of unit ("" for all).
func lines(ctx context.Context, c *control.Client, unit string, n int) ([]recent.Line, error) {
	var out []recent.Line
	err := c.Logs(ctx, unit, n, false, func(l recent.Line) error {
		out = append(out, l)
		return nil
	})
	return out, err
}

// seconds is a tool's timeout, bounded as the channel bounds it.
func seconds(n int) time.Duration {
	if n <= 0 {
		return 0
	}
	return time.Duration(min(n, 3600)) * time.Second
}
