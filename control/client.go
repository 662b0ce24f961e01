package control

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"strconv"
	"time"

	"github.com/devserver/devserver/internal/recent"
)

// Client asks a running devserver.
type Client struct {
	ep   endpoint
	http *http.Client
}

// Find returns a client of the devserver that runs for the project at
// root. When none does it returns an error that wraps ErrNotRunning and
// says why; a state file a devserver that is gone left is removed.
func Find(root string) (*Client, error) {
	ep, err := readEndpoint(root)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("%w (no %s in %s): start it with `devserver` there", ErrNotRunning, filepath.ToSlash(StateFile), root)
	case errors.Is(err, fs.ErrPermission):
		return nil, fmt.Errorf("%s: %w: the devserver of this project runs as another user", filepath.Join(root, StateFile), err)
	case err != nil:
		return nil, err
	}
	c, err := dial(ep)
	if err != nil {
		removeStale(root, ep)
		return nil, fmt.Errorf("%w (devserver pid %d is gone; its %s was removed)", ErrNotRunning, ep.PID, filepath.ToSlash(StateFile))
	}
	c.Close()
	tr := &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, ep.Network, ep.Address)
	}}
	return &Client{ep: ep, http: &http.Client{Transport: tr}}, nil
}

// PID is the devserver's process id.
func (c *Client) PID() int { return c.ep.PID }

// Status asks for the session's state.
func (c *Client) Status(ctx context.Context) (Status, error) {
	var st Status
	err := c.call(ctx, http.MethodGet, "/v1/status", nil, &st)
	return st, err
}

// Wait waits until every unit has settled after the changes made until
// now, up to timeout (0: DefaultWait).
func (c *Client) Wait(ctx context.Context, timeout time.Duration) (Settled, error) {
	var st Settled
	err := c.call(ctx, http.MethodPost, "/v1/wait", timeoutQuery(timeout), &st)
	return st, err
}

// Restart restarts units (every one if none) and waits for them as Wait.
func (c *Client) Restart(ctx context.Context, units []string, timeout time.Duration) (Settled, error) {
	q := timeoutQuery(timeout)
	q["unit"] = units
	var st Settled
	err := c.call(ctx, http.MethodPost, "/v1/restart", q, &st)
	return st, err
}

// Logs hands each of the last n lines of unit ("" for all) to f, and with
// follow those that come after, until ctx ends or devserver stops.
func (c *Client) Logs(ctx context.Context, unit string, n int, follow bool, f func(recent.Line) error) error {
	q := url.Values{"n": {strconv.Itoa(n)}}
	if unit != "" {
		q.Set("unit", unit)
	}
	if follow {
		q.Set("follow", "1")
	}
	resp, err := c.do(ctx, http.MethodGet, "/v1/logs", q)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		var l recent.Line
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			return fmt.Errorf("devserver sent a line that is not one: %w", err)
		}
		if err := f(l); err != nil {
			return err
		}
	}
	if ctx.Err() != nil {
		return nil
	}
	return sc.Err()
}

func timeoutQuery(d time.Duration) url.Values {
	if d <= 0 {
		return url.Values{}
	}
	return url.Values{"timeout": {d.String()}}
}

func (c *Client) call(ctx context.Context, method, path string, q url.Values, out any) error {
	resp, err := c.do(ctx, method, path, q)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	return json.NewDecoder(io.LimitReader(resp.Body, 64<<20)).Decode(out)
}

// do sends a request and returns a response that succeeded; a refusal is
// returned as the error devserver said.
func (c *Client) do(ctx context.Context, method, path string, q url.Values) (*http.Response, error) {
	u := "http://devserver" + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, method, u, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+c.ep.Token)
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("devserver (pid %d): %w", c.ep.PID, err)
	}
	if resp.StatusCode == http.StatusOK {
		return resp, nil
	}
	defer resp.Body.Close()
	var e struct{ Error string }
	if json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&e) != nil || e.Error == "" {
		e.Error = resp.Status
	}
	return nil, errors.New(e.Error)
}
