//go:build unix

package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/devserver/devserver/internal/testrig/testkit"
)

// ---- 4. proxy

type loadResult struct {
	rps      float64
	p50, p99 time.Duration
	failed   int64
}

// load runs conns keep-alive clients against url for d.
func load(url string, conns int, d time.Duration) loadResult {
	var mu sync.Mutex
	var lat []time.Duration
	var failed atomic.Int64
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	var wg sync.WaitGroup
	start := time.Now()
	for range conns {
		wg.Go(func() {
			c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
			var mine []time.Duration
			for ctx.Err() == nil {
				t0 := time.Now()
				res, err := c.Get(url)
				if err != nil {
					if ctx.Err() == nil {
						failed.Add(1)
					}
					continue
				}
				_, _ = io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode != http.StatusOK {
					failed.Add(1)
					continue
				}
				mine = append(mine, time.Since(t0))
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	if len(lat) == 0 {
		return loadResult{failed: failed.Load()}
	}
	return loadResult{rps: float64(len(lat)) / elapsed.Seconds(), p50: percentile(lat, 0.5), p99: percentile(lat, 0.99), failed: failed.Load()}
}

var readyRE = regexp.MustCompile(`msg="app ready" component=app addr=(\S+)`)

func (b *bench) proxy() error {
	dur, runs := 5*time.Second, 3
	if b.quick {
		dur, runs = 2*time.Second, 1
	}
	d, _, _, err := b.runApp("proxy", 500*time.Millisecond, 10)
	if err != nil {
		return err
	}
	defer d.Stop()
	var direct string
	if err := testkit.WaitUntil(30*time.Second, 10*time.Millisecond, func() bool {
		m := readyRE.FindStringSubmatch(d.Stderr.String())
		if m != nil {
			direct = "http://" + m[1] + "/"
		}
		return m != nil
	}); err != nil {
		return errors.New("proxy: app never ready")
	}
	fmt.Fprintf(&b.out, "\n## 4. Proxy overhead (Go load generator in this process, keep-alive, %s per run, median of %d runs)\n\n", dur, runs)
	b.out.WriteString("The load generator, devserver and the app share the machine's cores, which penalises the proxied path (one more process on 2 cores).\n\n")
	b.out.WriteString("| connections | direct req/s | through devserver req/s | ratio | direct p50 / p99 | through devserver p50 / p99 | added p99 |\n|---|---|---|---|---|---|---|\n")
	for _, conns := range []int{1, 64} {
		var dir, prox []loadResult
		for range runs {
			dir = append(dir, load(direct, conns, dur))
			prox = append(prox, load(d.URL, conns, dur))
		}
		md, mp := medianLoad(dir), medianLoad(prox)
		if md.failed+mp.failed > 0 {
			return fmt.Errorf("proxy: %d failed requests", md.failed+mp.failed)
		}
		fmt.Fprintf(&b.out, "| %d | %.0f | %.0f | %.2f× | %s / %s | %s / %s | %s |\n", conns, md.rps, mp.rps, mp.rps/md.rps,
			ms(md.p50), ms(md.p99), ms(mp.p50), ms(mp.p99), ms(mp.p99-md.p99))
	}
	return nil
}

func medianLoad(rs []loadResult) loadResult {
	slices.SortFunc(rs, func(a, b loadResult) int { return cmp.Compare(a.rps, b.rps) })
	return rs[len(rs)/2]
}
