package clock

import (
	"context"
	"testing"
	"time"
)

// 2026-12-06 is a Sunday.
var sunday = time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)

func TestWindowOpens(t *testing.T) {
	w, err := ParseWindow("sun:05:00-sun:05:30")
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string]struct {
		from, to time.Time
		want     bool
	}{
		"TickAcrossTheOpening":     {sunday.Add(4*time.Hour + 59*time.Minute), sunday.Add(5*time.Hour + time.Minute), true},
		"TickEndsAtTheOpening":     {sunday.Add(4 * time.Hour), sunday.Add(5 * time.Hour), true},
		"TickStartsAtTheOpening":   {sunday.Add(5 * time.Hour), sunday.Add(5*time.Hour + time.Minute), false},
		"TickInsideTheWindow":      {sunday.Add(5*time.Hour + time.Minute), sunday.Add(5*time.Hour + 2*time.Minute), false},
		"TickSpansWholeWindow":     {sunday.Add(4 * time.Hour), sunday.Add(6 * time.Hour), true},
		"NextWeek":                 {sunday.Add(6 * time.Hour), sunday.Add(7*24*time.Hour + 5*time.Hour), true},
		"AlmostAWeekBeforeOpening": {sunday.Add(6 * time.Hour), sunday.Add(7*24*time.Hour + 4*time.Hour), false},
		"MoreThanAWeek":            {sunday, sunday.Add(8 * 24 * time.Hour), true},
		"BackwardsNever":           {sunday.Add(6 * time.Hour), sunday.Add(4 * time.Hour), false},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if got := w.Opens(tc.from, tc.to); got != tc.want {
				t.Errorf("Opens(%s, %s) = %v, want %v", tc.from, tc.to, got, tc.want)
			}
		})
	}
}

func TestWindowContainsWrapsTheWeek(t *testing.T) {
	w, err := ParseWindow("sat:23:30-sun:00:30")
	if err != nil {
		t.Fatal(err)
	}
	for at, want := range map[time.Duration]bool{
		-15 * time.Minute: true, // Saturday 23:45
		15 * time.Minute:  true, // Sunday 00:15
		time.Hour:         false,
		-time.Hour:        false,
	} {
		if got := w.Contains(sunday.Add(at)); got != want {
			t.Errorf("Contains(%s) = %v, want %v", sunday.Add(at), got, want)
		}
	}
}

func TestParseWindowRefusesGarbage(t *testing.T) {
	for _, s := range []string{"", "sun:05:00", "xyz:05:00-sun:06:00", "sun:25:00-sun:26:00", "sun:05:61-sun:06:00"} {
		if _, err := ParseWindow(s); err == nil {
			t.Errorf("ParseWindow(%q) accepted", s)
		}
	}
}

// TestRunCoversEveryInstant: consecutive ticks share their ends, so no
// simulated instant falls between two of them.
func TestRunCoversEveryInstant(t *testing.T) {
	c := New(3600)
	ctx, cancel := context.WithCancel(context.Background())
	var ticks [][2]time.Time
	go func() { time.Sleep(100 * time.Millisecond); cancel() }()
	c.Run(ctx, 10*time.Millisecond, func(from, to time.Time) { ticks = append(ticks, [2]time.Time{from, to}) })
	if len(ticks) < 3 {
		t.Fatalf("got %d ticks in 100 ms of 10 ms ticks", len(ticks))
	}
	for i := 1; i < len(ticks); i++ {
		if !ticks[i][0].Equal(ticks[i-1][1]) {
			t.Errorf("tick %d starts at %s, the last ended at %s", i, ticks[i][0], ticks[i-1][1])
		}
	}
	if span := ticks[len(ticks)-1][1].Sub(ticks[0][0]); span < 5*time.Minute {
		t.Errorf("at 3600x, about 100 ms of ticks covered %s of simulated time", span)
	}
}
