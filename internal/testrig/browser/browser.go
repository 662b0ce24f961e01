//go:build unix

// Package browser drives a headless Chromium over the DevTools protocol, for
// devserver's end-to-end tests of what a browser sees (live reload). It
// talks to Chromium through --remote-debugging-pipe (file descriptors 3 and
// 4, messages ended by a NUL byte), so it needs neither a WebSocket library
// nor a debugging port; it uses only the standard library.
//
// It does only what the tests need: open a page and evaluate expressions in
// it. It does not install Chromium: Find says where it is, or why not.
package browser

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"

	"github.com/devserver/devserver/internal/testrig/lockedbuf"
)

// Find returns the path of a Chromium or Chrome binary: $CHROMIUM if set,
// else the first of chromium, chromium-browser, google-chrome on PATH.
func Find() (string, error) {
	if p := os.Getenv("CHROMIUM"); p != "" {
		return exec.LookPath(p)
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", errors.New("no chromium, chromium-browser or google-chrome on PATH (on Debian: apt-get install chromium)")
}

// Browser is a running headless Chromium. Close stops it and every process
// it started.
type Browser struct {
	cmd  *exec.Cmd
	in   io.WriteCloser // Chromium's fd 3: commands
	done chan struct{}  // closed when the reader ends

	mu      sync.Mutex
	nextID  int
	pending map[int]chan reply
	err     error // why the reader ended
	stderr  lockedbuf.Buffer
}

type reply struct {
	Result json.RawMessage `json:"result"`
	Error  *struct {
		Message string `json:"message"`
	} `json:"error"`
}

// Start runs Chromium headless with a fresh profile in userDataDir, and
// any further command-line flags.
func Start(path, userDataDir string, flags ...string) (*Browser, error) {
	cmdR, cmdW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		cmdR.Close()
		cmdW.Close()
		return nil, err
	}
	b := &Browser{in: cmdW, done: make(chan struct{}), pending: map[int]chan reply{}}
	// The flags keep Chromium from reaching out to the network (updates,
	// sync, field trials) and from needing a sandbox or a GPU.
	args := append([]string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
		"--no-first-run", "--disable-background-networking", "--disable-component-update",
		"--disable-sync", "--disable-dev-shm-usage", "--user-data-dir=" + userDataDir,
		"--remote-debugging-pipe"}, flags...)
	b.cmd = exec.Command(path, append(args, "about:blank")...)
	b.cmd.ExtraFiles = []*os.File{cmdR, outW}
	b.cmd.Stderr = &b.stderr
	b.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // its helpers die with it
	err = b.cmd.Start()
	cmdR.Close()
	outW.Close()
	if err != nil {
		cmdW.Close()
		outR.Close()
		return nil, fmt.Errorf("start %s: %w", path, err)
	}
	go b.read(outR)
	return b, nil
}

// read dispatches replies until Chromium's end of the pipe closes.
func (b *Browser) read(r io.ReadCloser) {
	defer close(b.done)
	defer r.Close()
	br := bufio.NewReader(r)
	for {
		msg, err := br.ReadBytes(0)
		if err != nil {
			b.mu.Lock()
			b.err = fmt.Errorf("chromium closed the pipe: %w; its stderr: %s", err, b.stderr.String())
			b.mu.Unlock()
			return
		}
		var m struct {
			ID int `json:"id"`
			reply
		}
		if json.Unmarshal(msg[:len(msg)-1], &m) != nil || m.ID == 0 {
			continue // an event: not needed
		}
		b.mu.Lock()
		c := b.pending[m.ID]
		delete(b.pending, m.ID)
		b.mu.Unlock()
		if c != nil {
			c <- m.reply
		}
	}
}

// call sends one command (to the page of sessionID, or to the browser if
// "") and decodes its result into result.
func (b *Browser) call(ctx context.Context, sessionID, method string, params, result any) error {
	b.mu.Lock()
	if b.err != nil {
		b.mu.Unlock()
		return b.err
	}
	b.nextID++
	id := b.nextID
	c := make(chan reply, 1)
	b.pending[id] = c
	b.mu.Unlock()
	msg, err := json.Marshal(struct {
		ID        int    `json:"id"`
		SessionID string `json:"sessionId,omitempty"`
		Method    string `json:"method"`
		Params    any    `json:"params,omitempty"`
	}{id, sessionID, method, params})
	if err != nil {
		return err
	}
	if _, err := b.in.Write(append(msg, 0)); err != nil {
		return fmt.Errorf("%s: %w", method, err)
	}
	select {
	case r := <-c:
		if r.Error != nil {
			return fmt.Errorf("%s: %s", method, r.Error.Message)
		}
		if result == nil {
			return nil
		}
		return json.Unmarshal(r.Result, result)
	case <-b.done:
		return b.err
	case <-ctx.Done():
		b.mu.Lock()
		delete(b.pending, id)
		b.mu.Unlock()
		return fmt.Errorf("%s: %w", method, ctx.Err())
	}
}

// Page is one open tab.
type Page struct {
	b       *Browser
	session string
}

// Open opens url in a new tab.
func (b *Browser) Open(ctx context.Context, url string) (*Page, error) {
	var target struct {
		TargetID string `json:"targetId"`
	}
	if err := b.call(ctx, "", "Target.createTarget", map[string]any{"url": url}, &target); err != nil {
		return nil, err
	}
	var attached struct {
		SessionID string `json:"sessionId"`
	}
	if err := b.call(ctx, "", "Target.attachToTarget", map[string]any{"targetId": target.TargetID, "flatten": true}, &attached); err != nil {
		return nil, err
	}
	return &Page{b: b, session: attached.SessionID}, nil
}

// Eval evaluates a JavaScript expression in the page and returns its value
// as JSON. It fails while the page is between two documents (reloading);
// callers poll.
func (p *Page) Eval(ctx context.Context, expr string) (json.RawMessage, error) {
	var res struct {
		Result struct {
			Value json.RawMessage `json:"value"`
		} `json:"result"`
		ExceptionDetails *struct {
			Text      string `json:"text"`
			Exception struct {
				Description string `json:"description"`
			} `json:"exception"`
		} `json:"exceptionDetails"`
	}
	err := p.b.call(ctx, p.session, "Runtime.evaluate", map[string]any{"expression": expr, "returnByValue": true}, &res)
	if err != nil {
		return nil, err
	}
	if e := res.ExceptionDetails; e != nil {
		return nil, fmt.Errorf("%s: %s %s", expr, e.Text, e.Exception.Description)
	}
	return res.Result.Value, nil
}

// Screenshot returns a PNG of the page as it is shown, width × height
// CSS pixels.
func (p *Page) Screenshot(ctx context.Context, width, height int) ([]byte, error) {
	err := p.b.call(ctx, p.session, "Emulation.setDeviceMetricsOverride",
		map[string]any{"width": width, "height": height, "deviceScaleFactor": 1, "mobile": false}, nil)
	if err != nil {
		return nil, err
	}
	var shot struct {
		Data []byte `json:"data"` // base64 in JSON, decoded by encoding/json
	}
	if err := p.b.call(ctx, p.session, "Page.captureScreenshot", map[string]any{"format": "png"}, &shot); err != nil {
		return nil, err
	}
	return shot.Data, nil
}

// Close asks Chromium to quit, then kills its process group, and waits.
func (b *Browser) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = b.call(ctx, "", "Browser.close", nil, nil)
	_ = syscall.Kill(-b.cmd.Process.Pid, syscall.SIGKILL)
	_ = b.in.Close()
	_ = b.cmd.Wait()
	<-b.done
	return nil
}
