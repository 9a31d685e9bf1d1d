// Package clock is the local cloud's sense of time for the things a cloud
// does on its own schedule: maintenance windows come round once a week,
// which no test can wait for. A Clock runs at a chosen speed (a week in a
// minute is 10080), and Run calls the services at each tick with the
// simulated interval that passed, so a window that starts and ends
// between two ticks is still seen.
package clock

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Clock is simulated time: it starts at the real time it is made and runs
// Speed times faster.
type Clock struct {
	origin time.Time
	speed  float64
}

// New returns a clock at the real time now, running speed times faster;
// speed <= 0 means real time.
func New(speed float64) *Clock {
	if speed <= 0 {
		speed = 1
	}
	return &Clock{origin: time.Now(), speed: speed}
}

// Now is the simulated time.
func (c *Clock) Now() time.Time {
	return c.origin.Add(time.Duration(float64(time.Since(c.origin)) * c.speed)).UTC()
}

// Speed is how many simulated seconds pass per real second.
func (c *Clock) Speed() float64 { return c.speed }

// Run calls tick every real interval with the simulated interval since
// the last call, (from, to], until ctx ends.
func (c *Clock) Run(ctx context.Context, every time.Duration, tick func(from, to time.Time)) {
	t := time.NewTicker(every)
	defer t.Stop()
	from := c.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			to := c.Now()
			tick(from, to)
			from = to
		}
	}
}

// week is the span of a weekly window's offsets.
const week = 7 * 24 * time.Hour

var days = []string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

// Window is a weekly window as RDS and ElastiCache write it,
// ddd:hh24:mi-ddd:hh24:mi in UTC.
type Window struct {
	// start and end are offsets from Sunday 00:00 UTC.
	start, end time.Duration
}

// ParseWindow reads a weekly window such as "sun:05:00-sun:05:30".
func ParseWindow(s string) (Window, error) {
	from, to, ok := strings.Cut(strings.ToLower(s), "-")
	if !ok {
		return Window{}, fmt.Errorf("window %q is not ddd:hh24:mi-ddd:hh24:mi", s)
	}
	start, err := offset(from)
	if err != nil {
		return Window{}, fmt.Errorf("window %q: %w", s, err)
	}
	end, err := offset(to)
	if err != nil {
		return Window{}, fmt.Errorf("window %q: %w", s, err)
	}
	return Window{start: start, end: end}, nil
}

func offset(s string) (time.Duration, error) {
	var day string
	var h, m int
	if _, err := fmt.Sscanf(strings.Replace(s, ":", " ", 1), "%3s %d:%d", &day, &h, &m); err != nil {
		return 0, fmt.Errorf("%q is not ddd:hh24:mi", s)
	}
	for i, d := range days {
		if d == day && h >= 0 && h < 24 && m >= 0 && m < 60 {
			return time.Duration(i)*24*time.Hour + time.Duration(h)*time.Hour + time.Duration(m)*time.Minute, nil
		}
	}
	return 0, fmt.Errorf("%q is not ddd:hh24:mi", s)
}

// Opens reports whether the window opens in (from, to].
func (w Window) Opens(from, to time.Time) bool {
	if !to.After(from) {
		return false
	}
	if to.Sub(from) >= week {
		return true
	}
	// The most recent opening at or before to.
	since := sinceSunday(to) - w.start
	if since < 0 {
		since += week
	}
	opened := to.Add(-since)
	return opened.After(from)
}

// Contains reports whether t is inside the window.
func (w Window) Contains(t time.Time) bool {
	o := sinceSunday(t)
	if w.end >= w.start {
		return o >= w.start && o < w.end
	}
	return o >= w.start || o < w.end // wraps past Saturday midnight
}

func sinceSunday(t time.Time) time.Duration {
	t = t.UTC()
	midnight := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	return time.Duration(t.Weekday())*24*time.Hour + t.Sub(midnight)
}
