// Package logx holds the logging helpers the server's parts share.
package logx

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// DefaultInterval is how often a Limited logger lets one message through.
const DefaultInterval = 10 * time.Second

// Limited logs each message at most once per interval. While a failure
// repeats (the store is down and every request or every loop pass meets
// it), the lines in between are counted, not written, and the next line
// written says how many were held back ("suppressed"). Messages are the
// keys: pass constant messages and put what varies in the attributes.
type Limited struct {
	log   *slog.Logger
	every time.Duration
	now   func() time.Time

	mu   sync.Mutex
	keys map[key]*state
}

type key struct {
	level slog.Level
	msg   string
}

type state struct {
	last       time.Time
	suppressed int
}

// NewLimited wraps log (nil: slog.Default()); every <= 0 means
// DefaultInterval.
func NewLimited(log *slog.Logger, every time.Duration) *Limited {
	if log == nil {
		log = slog.Default()
	}
	if every <= 0 {
		every = DefaultInterval
	}
	return &Limited{log: log, every: every, now: time.Now, keys: map[key]*state{}}
}

// Log writes the line unless a line with the same level and message was
// written less than the interval ago; it reports whether it wrote.
func (l *Limited) Log(ctx context.Context, level slog.Level, msg string, args ...any) bool {
	if !l.log.Enabled(ctx, level) {
		return false
	}
	now := l.now()
	l.mu.Lock()
	s := l.keys[key{level, msg}]
	if s == nil {
		s = &state{}
		l.keys[key{level, msg}] = s
	} else if now.Sub(s.last) < l.every {
		s.suppressed++
		l.mu.Unlock()
		return false
	}
	suppressed := s.suppressed
	s.last, s.suppressed = now, 0
	l.mu.Unlock()
	if suppressed > 0 {
		args = append(args, "suppressed", suppressed)
	}
	l.log.Log(ctx, level, msg, args...)
	return true
}

// Warn is Log at slog.LevelWarn.
func (l *Limited) Warn(msg string, args ...any) bool {
	return l.Log(context.Background(), slog.LevelWarn, msg, args...)
}

// Error is Log at slog.LevelError.
func (l *Limited) Error(msg string, args ...any) bool {
	return l.Log(context.Background(), slog.LevelError, msg, args...)
}

// Logger is the logger lines go to.
func (l *Limited) Logger() *slog.Logger { return l.log }
