package engines

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// marker records that an instance's first start (Init and Bootstrap)
// completed; a directory without it is half-made and is created again.
const marker = ".localcloud-initialized"

// Timeouts for a server to become ready and to stop cleanly.
const (
	readyTimeout = 60 * time.Second
	stopTimeout  = 30 * time.Second
)

// Supervisor starts and stops engine processes by instance id.
type Supervisor struct {
	drivers map[string]Driver

	mu    sync.Mutex
	procs map[string]*proc
}

type proc struct {
	driver Driver
	dir    string
	port   int
	pid    int
	signal func(os.Signal) error
	exited chan struct{}
}

// NewSupervisor returns a supervisor for the given drivers.
func NewSupervisor(drivers ...Driver) *Supervisor {
	s := &Supervisor{drivers: map[string]Driver{}, procs: map[string]*proc{}}
	for _, d := range drivers {
		s.drivers[d.Name()] = d
	}
	return s
}

// Check returns an engine's version, or why it cannot run here.
func (s *Supervisor) Check(engine string) (string, error) {
	d, ok := s.drivers[engine]
	if !ok {
		return "", fmt.Errorf("engine %q is not supported by the local cloud", engine)
	}
	return d.Version()
}

// Start runs the instance id (creating it on first start) and returns its
// port once it accepts connections. Cancelling ctx stops a start half-way.
func (s *Supervisor) Start(ctx context.Context, id, engine string, spec Spec) (int, error) {
	if _, err := s.Check(engine); err != nil {
		return 0, err
	}
	d := s.drivers[engine]
	s.mu.Lock()
	p, running := s.procs[id]
	s.mu.Unlock()
	if running {
		return p.port, nil
	}
	rt, err := runtimeFor(d.SystemUser())
	if err != nil {
		return 0, err
	}
	if err := os.MkdirAll(filepath.Dir(spec.Dir), 0o755); err != nil {
		return 0, err
	}
	if err := rt.CheckReach(spec.Dir); err != nil {
		return 0, err
	}
	first := !exists(filepath.Join(spec.Dir, marker))
	if first {
		if spec.MasterPassword == "" {
			return 0, fmt.Errorf("instance %s was never set up, and its master password is no longer known (the local cloud keeps passwords only in memory)", id)
		}
		if err := fresh(spec.Dir); err != nil {
			return 0, err
		}
		if err := d.Init(ctx, rt, spec); err != nil {
			return 0, fmt.Errorf("cannot initialise %s instance %s: %w", engine, id, err)
		}
	}
	if spec.TLS != nil {
		if err := installTLS(rt, spec.Dir, spec.TLS); err != nil {
			return 0, err
		}
	}
	stopLeftover(d.PIDFile(spec.Dir), spec.Dir, d.StopSignal())
	p, err = s.launch(ctx, d, rt, spec)
	if err != nil {
		return 0, fmt.Errorf("cannot start %s instance %s: %w", engine, id, err)
	}
	if first {
		if err := d.Bootstrap(ctx, spec, p.port); err != nil {
			_ = stop(p)
			return 0, fmt.Errorf("cannot set up %s instance %s: %w", engine, id, err)
		}
		if err := os.WriteFile(filepath.Join(spec.Dir, marker), nil, 0o644); err != nil {
			_ = stop(p)
			return 0, err
		}
	}
	s.mu.Lock()
	s.procs[id] = p
	s.mu.Unlock()
	return p.port, nil
}

// launch starts the server, retrying on another port when the chosen one
// was taken between picking and binding.
func (s *Supervisor) launch(ctx context.Context, d Driver, rt *Runtime, spec Spec) (*proc, error) {
	preferred := spec.Port
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		port, err := freePort(preferred)
		if err != nil {
			return nil, err
		}
		preferred = 0
		p, err := s.launchOnce(ctx, d, rt, spec.Dir, port)
		if err == nil {
			return p, nil
		}
		lastErr = err
		if ctx.Err() != nil || !strings.Contains(err.Error(), "in use") {
			return nil, err
		}
	}
	return nil, lastErr
}

func (s *Supervisor) launchOnce(ctx context.Context, d Driver, rt *Runtime, dir string, port int) (*proc, error) {
	cmd, err := d.Command(rt, dir, port)
	if err != nil {
		return nil, err
	}
	logPath := filepath.Join(dir, d.Name()+".log")
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	defer logFile.Close()
	offset, _ := logFile.Seek(0, io.SeekEnd)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	rt.Apply(cmd)
	// Own process group: a Ctrl-C on the terminal reaches the local cloud,
	// which stops engines in order, not the engines directly. Pdeathsig
	// stops the server if the local cloud dies without stopping it.
	cmd.SysProcAttr.Setpgid = true
	cmd.SysProcAttr.Pdeathsig = d.StopSignal()
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &proc{driver: d, dir: dir, port: port, pid: cmd.Process.Pid, signal: cmd.Process.Signal, exited: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(p.exited) }()

	deadline := time.NewTimer(readyTimeout)
	defer deadline.Stop()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		probe, cancel := context.WithTimeout(ctx, 5*time.Second)
		err := d.Ready(probe, dir, port)
		cancel()
		if err == nil {
			return p, nil
		}
		select {
		case <-p.exited:
			return nil, fmt.Errorf("server exited during start-up: %s", logTail(logPath, offset))
		case <-ctx.Done():
			_ = stop(p)
			return nil, ctx.Err()
		case <-deadline.C:
			_ = stop(p)
			return nil, fmt.Errorf("server not ready after %s: %v; %s", readyTimeout, err, logTail(logPath, offset))
		case <-tick.C:
		}
	}
}

// Stop stops instance id by its PID and waits for it to exit. Stopping an
// instance that is not running succeeds.
func (s *Supervisor) Stop(id string) error {
	s.mu.Lock()
	p, ok := s.procs[id]
	delete(s.procs, id)
	s.mu.Unlock()
	if !ok {
		return nil
	}
	return stop(p)
}

// StopAll stops every instance this supervisor started.
func (s *Supervisor) StopAll() error {
	s.mu.Lock()
	ids := make([]string, 0, len(s.procs))
	for id := range s.procs {
		ids = append(ids, id)
	}
	s.mu.Unlock()
	var errs []error
	for _, id := range ids {
		errs = append(errs, s.Stop(id))
	}
	return errors.Join(errs...)
}

// Running returns the port and PID of a running instance.
func (s *Supervisor) Running(id string) (port, pid int, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.procs[id]
	if !ok {
		return 0, 0, false
	}
	return p.port, p.pid, true
}

// SetPassword changes a user's password on a running instance.
func (s *Supervisor) SetPassword(ctx context.Context, id, user, password string) error {
	p, err := s.get(id)
	if err != nil {
		return err
	}
	return p.driver.SetPassword(ctx, p.dir, p.port, user, password)
}

// Dump writes a logical backup of database db of a running instance to w.
func (s *Supervisor) Dump(ctx context.Context, id, db string, w io.Writer) error {
	p, err := s.get(id)
	if err != nil {
		return err
	}
	return p.driver.Dump(ctx, p.dir, p.port, db, w)
}

func (s *Supervisor) get(id string) (*proc, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.procs[id]
	if !ok {
		return nil, fmt.Errorf("instance %s is not running", id)
	}
	return p, nil
}

func stop(p *proc) error {
	if err := p.signal(p.driver.StopSignal()); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return err
	}
	select {
	case <-p.exited:
		return nil
	case <-time.After(stopTimeout):
	}
	_ = p.signal(syscall.SIGKILL)
	<-p.exited
	return fmt.Errorf("server %d did not stop within %s and was killed", p.pid, stopTimeout)
}

// stopLeftover stops a server still running on dir from a local cloud that
// died, so the new one can take the data directory.
func stopLeftover(pidFile, dir string, sig syscall.Signal) {
	b, err := os.ReadFile(pidFile)
	if err != nil {
		return
	}
	line, _, _ := strings.Cut(string(b), "\n")
	pid, err := strconv.Atoi(strings.TrimSpace(line))
	if err != nil || pid <= 0 {
		return
	}
	cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil || !bytes.Contains(cmdline, []byte(dir)) {
		return
	}
	_ = syscall.Kill(pid, sig)
	for deadline := time.Now().Add(stopTimeout); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if syscall.Kill(pid, 0) != nil {
			return
		}
	}
	_ = syscall.Kill(pid, syscall.SIGKILL)
}

// freePort returns preferred if it can be bound on 127.0.0.1, else any free port.
func freePort(preferred int) (int, error) {
	if preferred > 0 {
		if l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(preferred))); err == nil {
			_ = l.Close()
			return preferred, nil
		}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func fresh(dir string) error {
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	return os.MkdirAll(dir, 0o755)
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// logTail returns the end of what the server logged since offset.
func logTail(path string, offset int64) string {
	b, err := os.ReadFile(path)
	if err != nil || int64(len(b)) < offset {
		return "no server log"
	}
	b = bytes.TrimSpace(b[offset:])
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return "server log: " + string(b)
}
