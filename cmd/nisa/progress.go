package main

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"
)

// progressBar reports a long operation: on a terminal one line redrawn in
// place (count, percentage, rate, ETA), otherwise a plain line every few
// seconds, so logs stay readable.
type progressBar struct {
	w     io.Writer
	what  string
	total int64 // 0: unknown
	tty   bool
	every time.Duration

	mu    sync.Mutex
	n     int64
	start time.Time
	last  time.Time
}

func newProgressBar(w io.Writer, what string, total int64, tty bool) *progressBar {
	return &progressBar{w: w, what: what, total: total, tty: tty, every: 2 * time.Second, start: time.Now()}
}

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// Add counts n more units done.
func (p *progressBar) Add(n int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.set(p.n + n)
}

// Set sets the units done so far.
func (p *progressBar) Set(n int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.set(max(p.n, n))
}

func (p *progressBar) set(n int64) {
	p.n = n
	now := time.Now()
	interval := p.every
	if p.tty {
		interval = 100 * time.Millisecond
	}
	if now.Sub(p.last) < interval {
		return
	}
	p.last = now
	p.print(now, false)
}

// Done prints the final line.
func (p *progressBar) Done() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.print(time.Now(), true)
}

func (p *progressBar) print(now time.Time, final bool) {
	el := now.Sub(p.start).Seconds()
	rate := 0.0
	if el > 0 {
		rate = float64(p.n) / el
	}
	line := fmt.Sprintf("%s: %s events", p.what, groupDigits(p.n))
	if p.total > 0 {
		pct := min(100, 100*float64(p.n)/float64(p.total))
		line = fmt.Sprintf("%s: %s/%s events (%3.0f%%)", p.what, groupDigits(p.n), groupDigits(p.total), pct)
	}
	line += fmt.Sprintf(", %s events/s", groupDigits(int64(rate)))
	switch {
	case final:
		line += fmt.Sprintf(", done in %.1fs", el)
	case p.total > 0 && rate > 0 && p.n < p.total:
		line += fmt.Sprintf(", ETA %s", time.Duration(float64(p.total-p.n)/rate*float64(time.Second)).Round(time.Second))
	}
	if p.tty {
		fmt.Fprintf(p.w, "\r\033[K%s", line)
		if final {
			fmt.Fprintln(p.w)
		}
		return
	}
	fmt.Fprintln(p.w, line)
}

// groupDigits writes n with thousands separators: 1,234,567.
func groupDigits(n int64) string {
	s := fmt.Sprint(n)
	neg := n < 0
	if neg {
		s = s[1:]
	}
	out := make([]byte, 0, len(s)+len(s)/3)
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	if neg {
		return "-" + string(out)
	}
	return string(out)
}
