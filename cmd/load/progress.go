package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"
	"golang.org/x/term"

	"github.com/loadline/loadline/engine"
)

// progress shows the run's live state on stderr: a bar per scenario on a
// terminal (mpb), a plain line every plainEvery otherwise, nothing when quiet.
type progress struct {
	stopOnce sync.Once
	done     chan struct{}
	wg       sync.WaitGroup
	p        *mpb.Progress
	log      *logger
	w        io.Writer
}

const (
	refreshEvery = 250 * time.Millisecond
	plainEvery   = 5 * time.Second
)

func startProgress(w io.Writer, eng *engine.Engine, plan *engine.Plan, quiet bool, log *logger) *progress {
	pr := &progress{done: make(chan struct{}), log: log, w: w}
	if quiet {
		return pr
	}
	if !isTerminal(w) {
		pr.wg.Add(1)
		go pr.plain(eng)
		return pr
	}
	pr.p = mpb.New(mpb.WithOutput(w), mpb.WithRefreshRate(refreshEvery), mpb.WithWidth(barWidth(w)))
	log.setWriter(pr.p)
	bars := map[string]*mpb.Bar{}
	states := map[string]*barState{}
	var mu sync.Mutex
	for _, sp := range plan.Scenarios {
		name := sp.Name
		st := &barState{p: engine.Progress{Name: name}}
		states[name] = st
		info := func(decor.Statistics) string {
			mu.Lock()
			defer mu.Unlock()
			return progressInfo(&st.p, st.rate)
		}
		bars[name] = pr.p.New(1000,
			mpb.BarStyle().Lbound("[").Filler("=").Tip(">").Padding(" ").Rbound("]"),
			mpb.PrependDecorators(decor.Name(fmt.Sprintf("%-12s", trimName(name, 12)))),
			mpb.AppendDecorators(decor.Any(info)),
		)
	}
	pr.wg.Add(1)
	go func() {
		defer pr.wg.Done()
		t := time.NewTicker(refreshEvery)
		defer t.Stop()
		// update refreshes the states under mu, then moves the bars
		// without holding it: mpb renders (and calls the decorators, which
		// take mu) on its own goroutine, and SetCurrent waits for it.
		update := func(final bool) {
			now := time.Now()
			type move struct {
				b   *mpb.Bar
				cur int64
			}
			var moves []move
			mu.Lock()
			for _, p := range eng.Progress() {
				st, ok := states[p.Name]
				if !ok {
					continue
				}
				if !st.at.IsZero() {
					if dt := now.Sub(st.at).Seconds(); dt > 0 {
						// Smoothed, so the figure is readable.
						st.rate = 0.7*st.rate + 0.3*float64(p.Iterations-st.p.Iterations)/dt
					}
				}
				st.p, st.at = p, now
				cur := int64(p.Fraction * 1000)
				if final || p.Done {
					cur = 1000
				}
				moves = append(moves, move{bars[p.Name], cur})
			}
			mu.Unlock()
			for _, m := range moves {
				m.b.SetCurrent(m.cur)
			}
		}
		for {
			select {
			case <-t.C:
				update(false)
			case <-pr.done:
				update(true)
				for _, b := range bars {
					b.SetTotal(1000, true)
				}
				return
			}
		}
	}()
	return pr
}

// barState is a scenario's last progress and its smoothed iteration rate.
type barState struct {
	p    engine.Progress
	at   time.Time
	rate float64
}

func progressInfo(p *engine.Progress, rate float64) string {
	total := "∞"
	if p.Total > 0 {
		total = p.Total.Round(time.Second).String()
	}
	s := fmt.Sprintf("%s/%s  %d/%d VUs  %d iters  %.1f it/s", p.Elapsed.Round(time.Second), total,
		p.ActiveVUs, p.MaxVUs, p.Iterations, rate)
	if p.Interrupted > 0 {
		s += fmt.Sprintf("  %d interrupted", p.Interrupted)
	}
	if p.Dropped > 0 {
		s += fmt.Sprintf("  %d dropped", p.Dropped)
	}
	return s
}

// barWidth fits the bar, its name (13 columns) and the figures after it
// (about 70) on one terminal line: a wrapped line would break the redraw.
func barWidth(w io.Writer) int {
	cols := 100
	if f, ok := w.(*os.File); ok {
		if c, _, err := term.GetSize(int(f.Fd())); err == nil && c > 0 {
			cols = c
		}
	}
	bw := cols - 13 - 72
	switch {
	case bw < 10:
		bw = 10
	case bw > 60:
		bw = 60
	}
	return bw
}

func trimName(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n-1] + "…"
}

// plain prints one line per scenario every plainEvery (for CI logs).
func (pr *progress) plain(eng *engine.Engine) {
	defer pr.wg.Done()
	t := time.NewTicker(plainEvery)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			var b strings.Builder
			for _, p := range eng.Progress() {
				if p.Done {
					continue
				}
				rate := 0.0
				if sec := p.Elapsed.Seconds(); sec > 0 {
					rate = float64(p.Iterations) / sec
				}
				fmt.Fprintf(&b, "running %s: %s\n", p.Name, progressInfo(&p, rate))
			}
			pr.log.Logf("%s", strings.TrimRight(b.String(), "\n"))
		case <-pr.done:
			return
		}
	}
}

// stop ends the display and waits for it.
func (pr *progress) stop() {
	pr.stopOnce.Do(func() {
		close(pr.done)
		pr.wg.Wait()
		if pr.p != nil {
			pr.p.Wait()
			pr.log.setWriter(pr.w)
		}
	})
}
