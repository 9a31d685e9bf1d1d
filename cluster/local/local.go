// Package local runs the project's offline cloud: a Kubernetes control plane
// (etcd, kube-apiserver and optionally kube-controller-manager, through
// controller-runtime's envtest) and cloud emulators, all on 127.0.0.1 with
// free ports. The integration tests and the dev stack (cmd/devstack) both
// use it, so they run the same binaries the same way.
package local

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
)

// Root returns the repository root: the nearest directory above the working
// directory holding the provider's go.mod.
func Root() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if b, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && bytes.HasPrefix(b, []byte("module github.com/appinfra/provider-appinfra\n")) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no provider-appinfra go.mod above the working directory")
		}
		dir = parent
	}
}

// ToolDir builds (once; cached by version) and returns the bin directory of
// a tool of cluster/tools.sh.
func ToolDir(root, tool string) (string, error) {
	cmd := exec.Command("bash", filepath.Join(root, "cluster", "tools.sh"), tool)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("cannot build tool %s: %w", tool, err)
	}
	return strings.TrimSpace(string(out)), nil
}

// ControlPlane is a running etcd and kube-apiserver, and optionally a
// kube-controller-manager running the garbage collector and namespace
// controllers.
type ControlPlane struct {
	// Config authenticates as a member of system:masters.
	Config *rest.Config
	// Kubeconfig is the same credentials as a kubeconfig file's content.
	Kubeconfig []byte

	env   *envtest.Environment
	kcm   *Process
	certs string
}

// ControlPlaneOptions configure StartControlPlane.
type ControlPlaneOptions struct {
	// CRDDirs are installed before StartControlPlane returns.
	CRDDirs []string
	// ControllerManager starts kube-controller-manager too.
	ControllerManager bool
	// Dir holds the kubeconfig and logs of kube-controller-manager.
	Dir string
	// Log receives the output of the processes started.
	Log io.Writer
}

// StartControlPlane starts etcd and kube-apiserver (RBAC, client certificate
// authentication, 127.0.0.1, free ports) and installs the CRDs.
func StartControlPlane(root string, o ControlPlaneOptions) (*ControlPlane, error) {
	kube, err := ToolDir(root, "kube")
	if err != nil {
		return nil, err
	}
	etcd, err := ToolDir(root, "etcd")
	if err != nil {
		return nil, err
	}
	env := &envtest.Environment{
		CRDDirectoryPaths:     o.CRDDirs,
		ErrorIfCRDPathMissing: true,
		// kube-apiserver stops listening at once on SIGTERM but, with
		// watches open, can take more than twenty seconds to exit; SIGKILL
		// after five, as a short pod grace period would.
		ControlPlaneStopTimeout: 5 * time.Second,
	}
	env.ControlPlane.Etcd = &envtest.Etcd{Path: filepath.Join(etcd, "etcd"), Out: o.Log, Err: o.Log}
	// A certificate directory of our own survives a restart of the API
	// server (RestartAPIServer); envtest's own is removed at stop.
	certs, err := os.MkdirTemp(o.Dir, "kube-apiserver-")
	if err != nil {
		return nil, err
	}
	env.ControlPlane.APIServer = &envtest.APIServer{Path: filepath.Join(kube, "kube-apiserver"), Out: o.Log, Err: o.Log, CertDir: certs}
	env.ControlPlane.APIServer.Configure().Set("bind-address", "127.0.0.1")

	if _, err := env.Start(); err != nil {
		// Start can fail after launching etcd and kube-apiserver (say, on a
		// CRD the API server refuses): stop whatever it started.
		_ = env.Stop()
		_ = os.RemoveAll(certs)
		return nil, fmt.Errorf("cannot start control plane: %w", err)
	}
	cp := &ControlPlane{env: env, certs: certs}
	user, err := env.AddUser(envtest.User{Name: "appinfra-admin", Groups: []string{"system:masters"}}, nil)
	if err != nil {
		cp.Stop()
		return nil, fmt.Errorf("cannot add admin user: %w", err)
	}
	cp.Config = user.Config()
	if cp.Kubeconfig, err = user.KubeConfig(); err != nil {
		cp.Stop()
		return nil, err
	}
	if !o.ControllerManager {
		return cp, nil
	}
	kc := filepath.Join(o.Dir, "kube-controller-manager.kubeconfig")
	if err := os.WriteFile(kc, cp.Kubeconfig, 0o600); err != nil {
		cp.Stop()
		return nil, err
	}
	cp.kcm, err = Start(o.Log, filepath.Join(kube, "kube-controller-manager"),
		"--kubeconfig="+kc, "--controllers=garbagecollector,namespace",
		"--leader-elect=false", "--bind-address=127.0.0.1", "--secure-port=0")
	if err != nil {
		cp.Stop()
		return nil, err
	}
	return cp, nil
}

// RestartAPIServer stops kube-apiserver and starts it again on the same
// port with the same certificates and etcd: clients see their connections
// and watches drop and their requests refused until it is back.
func (c *ControlPlane) RestartAPIServer() error {
	api := c.env.ControlPlane.APIServer
	if err := api.Stop(); err != nil && !strings.Contains(err.Error(), "timeout waiting for process") {
		return fmt.Errorf("cannot stop kube-apiserver: %w", err)
	}
	// SIGKILL is not waited for: the port may still be held a moment.
	var err error
	for range 5 {
		if err = api.Start(); err == nil {
			return nil
		}
		time.Sleep(time.Second)
	}
	return fmt.Errorf("cannot start kube-apiserver again: %w", err)
}

// CRDDir is the directory of the provider family's CRDs (both clouds').
func CRDDir(root string) string { return filepath.Join(root, "package", "crds") }

// InstallCRDs installs the CRDs of dirs and returns once the API server
// serves them all.
func (c *ControlPlane) InstallCRDs(dirs ...string) ([]*apiextensionsv1.CustomResourceDefinition, error) {
	crds, err := envtest.InstallCRDs(c.Config, envtest.CRDInstallOptions{Paths: dirs, ErrorIfPathMissing: true})
	if err != nil {
		return nil, fmt.Errorf("cannot install CRDs: %w", err)
	}
	return crds, nil
}

// Stop stops what StartControlPlane started, kube-apiserver before etcd.
func (c *ControlPlane) Stop() {
	if c.kcm != nil {
		c.kcm.Stop()
	}
	_ = c.env.Stop()
	_ = os.RemoveAll(c.certs)
}

// Emulator is a running cloud emulator.
type Emulator struct {
	*Process
	// Endpoint is the emulator's base URL.
	Endpoint string
	// Addr is its host:port.
	Addr string
}

// StartKumo starts the kumo AWS emulator (S3 and other services on one port).
func StartKumo(root string, log io.Writer) (*Emulator, error) {
	bin, err := ToolDir(root, "kumo")
	if err != nil {
		return nil, err
	}
	port, err := FreePort()
	if err != nil {
		return nil, err
	}
	p, err := startWithEnv(log, []string{"KUMO_HOST=127.0.0.1", "KUMO_LOG_LEVEL=warn"},
		filepath.Join(bin, "kumo"), "serve", "--host", "127.0.0.1", "--port", strconv.Itoa(port))
	if err != nil {
		return nil, err
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	if err := p.WaitListening(addr, 30*time.Second); err != nil {
		p.Stop()
		return nil, fmt.Errorf("kumo did not start: %w", err)
	}
	return &Emulator{Process: p, Endpoint: "http://" + addr, Addr: addr}, nil
}

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close() //nolint:errcheck // Only the port number was needed.
	return l.Addr().(*net.TCPAddr).Port, nil
}

// WaitForTCP polls addr until it accepts a connection.
func WaitForTCP(addr string, timeout time.Duration) error {
	return waitTCP(addr, timeout, func() error { return nil })
}

// waitTCP polls addr until it accepts a connection, or until gone says
// why it never will.
func waitTCP(addr string, timeout time.Duration, gone func() error) error {
	deadline := time.Now().Add(timeout)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			return c.Close()
		}
		if err := gone(); err != nil {
			return err
		}
		if time.Now().After(deadline) {
			return err
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Process is a child process.
type Process struct {
	cmd  *exec.Cmd
	done chan struct{}
	// tail keeps the end of its output, for the error when it exits
	// before it serves: the cause is there, not in "connection refused".
	// A process whose log is a file writes to the file itself (the caller
	// may close its copy at once, and no pipe must outlive it): then tail
	// is nil and the error names the file.
	tail    *tailWriter
	logName string
}

// Start starts a child process writing to log.
func Start(log io.Writer, path string, args ...string) (*Process, error) {
	return startWithEnv(log, nil, path, args...)
}

func startWithEnv(log io.Writer, env []string, path string, args ...string) (*Process, error) {
	cmd := exec.CommandContext(context.Background(), path, args...)
	cmd.Env = append(os.Environ(), env...)
	var tail *tailWriter
	logName := ""
	if f, ok := log.(*os.File); ok {
		cmd.Stdout, cmd.Stderr = f, f
		logName = f.Name()
	} else {
		tail = &tailWriter{max: 2048}
		out := io.MultiWriter(log, tail)
		cmd.Stdout, cmd.Stderr = out, out
	}
	// Its own process group, so a terminal's Ctrl-C reaches only us and we
	// stop children in order; SIGKILL when we die without stopping it (a
	// SIGKILL, a crash), so nothing we started outlives us.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("cannot start %s: %w", filepath.Base(path), err)
	}
	p := &Process{cmd: cmd, done: make(chan struct{}), tail: tail, logName: logName}
	go func() { _ = cmd.Wait(); close(p.done) }()
	return p, nil
}

// WaitListening polls addr until it accepts a connection. When the process
// exits first it says so at once, with the last lines it wrote.
func (p *Process) WaitListening(addr string, timeout time.Duration) error {
	return waitTCP(addr, timeout, p.whyNotServing)
}

// whyNotServing says why p never will serve, once it has exited.
func (p *Process) whyNotServing() error {
	if !p.Exited() {
		return nil
	}
	said := "its last words: " + p.tail.lastLines(5)
	if p.tail == nil {
		said = "its output is in " + p.logName
	}
	return fmt.Errorf("%s exited (%v) before it served; %s", filepath.Base(p.cmd.Path), p.cmd.ProcessState, said)
}

// WaitServing waits until url answers an HTTP request (with any status):
// a process may accept connections before it serves, and do work in
// between that its callers need done (the local cloud writes its GCP key
// file there).
func (p *Process) WaitServing(url string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	hc := &http.Client{Timeout: time.Second}
	for {
		resp, err := hc.Get(url)
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			return resp.Body.Close()
		}
		if err := p.whyNotServing(); err != nil {
			return err
		}
		if time.Now().After(deadline) {
			return err
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// tailWriter keeps the last max bytes written to it.
type tailWriter struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (w *tailWriter) Write(b []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf = append(w.buf, b...)
	if over := len(w.buf) - w.max; over > 0 {
		w.buf = append(w.buf[:0], w.buf[over:]...)
	}
	return len(b), nil
}

// lastLines are the last n complete-or-not lines written, joined by " | ".
func (w *tailWriter) lastLines(n int) string {
	if w == nil {
		return ""
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	lines := strings.Split(strings.TrimSpace(string(w.buf)), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " | ")
}

// PID of the process.
func (p *Process) PID() int { return p.cmd.Process.Pid }

// Kill sends SIGKILL and waits for the process to be gone: it gets no
// chance to finish what it was doing.
func (p *Process) Kill() {
	_ = p.cmd.Process.Kill()
	<-p.done
}

// Exited reports whether the process has ended.
func (p *Process) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// Stop sends SIGTERM, and SIGKILL if the process has not exited after ten
// seconds.
func (p *Process) Stop() {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// StartFakeGCS starts fake-gcs-server, the Cloud Storage emulator, in memory.
// Its Endpoint is the JSON API base URL for option.WithEndpoint.
func StartFakeGCS(root string, log io.Writer) (*Emulator, error) {
	bin, err := ToolDir(root, "fake-gcs")
	if err != nil {
		return nil, err
	}
	port, err := FreePort()
	if err != nil {
		return nil, err
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	p, err := Start(log, filepath.Join(bin, "fake-gcs-server"),
		"-scheme", "http", "-host", "127.0.0.1", "-port", strconv.Itoa(port), "-backend", "memory",
		"-public-host", addr, "-external-url", "http://"+addr, "-log-level", "warn")
	if err != nil {
		return nil, err
	}
	if err := p.WaitListening(addr, 30*time.Second); err != nil {
		p.Stop()
		return nil, fmt.Errorf("fake-gcs-server did not start: %w", err)
	}
	return &Emulator{Process: p, Endpoint: "http://" + addr + "/storage/v1/", Addr: addr}, nil
}

// Clouds are the clouds of the provider family, one provider each: its
// command is cmd/provider-<cloud> and its binary provider-<cloud> (short
// enough to be a process's whole comm, which dev.sh checks pid files by).
var Clouds = []string{"aws", "gcp"}

// ProviderBin is where BuildProviders puts cloud's provider in dir.
func ProviderBin(dir, cloud string) string { return filepath.Join(dir, "provider-"+cloud) }

// BuildProviders builds every provider of the family into dir, in one go
// build (the packages they share are compiled once).
func BuildProviders(root, dir string) error {
	args := []string{"build", "-o", dir + string(filepath.Separator)}
	for _, c := range Clouds {
		args = append(args, "./cmd/provider-"+c)
	}
	build := exec.Command("go", args...)
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		return fmt.Errorf("cannot build the providers: %w: %s", err, out)
	}
	return nil
}

// BuildLocalCloud builds cmd/localcloud into dir/localcloud; a second
// build with nothing changed leaves the binary as it is.
func BuildLocalCloud(root, dir string, log io.Writer) error {
	build := exec.Command("go", "build", "-o", filepath.Join(dir, "localcloud"), "./cmd/localcloud")
	build.Dir, build.Stdout, build.Stderr = root, log, log
	if err := build.Run(); err != nil {
		return fmt.Errorf("cannot build the local cloud: %w", err)
	}
	return nil
}

// LocalCloudOptions configure StartLocalCloud.
type LocalCloudOptions struct {
	// Dir holds the binary and the local cloud's data (engines' data
	// directories, state that survives a restart).
	Dir string
	// Credentials the local cloud accepts, as ACCESS_KEY_ID:SECRET.
	Credentials []string
	// Delay scales how long its resources stay in each transitional state.
	Delay time.Duration
	// PasswordResetDelay is how long an RDS password reset takes, if longer
	// than Delay.
	PasswordResetDelay time.Duration
	// Log receives its output.
	Log io.Writer
}

// LocalCloudCAFile is where the local cloud started with o.Dir keeps the
// PEM certificate of its CA, which signs its cache nodes' certificates.
func LocalCloudCAFile(o LocalCloudOptions) string { return filepath.Join(o.Dir, "data", "ca.crt") }

// StartLocalCloud builds the project's local cloud (cmd/localcloud: RDS and
// ElastiCache backed by real engines) and starts it on a free port of
// 127.0.0.1.
func StartLocalCloud(root string, o LocalCloudOptions) (*Emulator, error) {
	if err := BuildLocalCloud(root, o.Dir, o.Log); err != nil {
		return nil, err
	}
	bin := filepath.Join(o.Dir, "localcloud")
	// Engines may run as another user (PostgreSQL refuses root): they must
	// be able to reach their data directories below Dir.
	if err := os.Chmod(o.Dir, 0o755); err != nil {
		return nil, err
	}
	port, err := FreePort()
	if err != nil {
		return nil, err
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	p, err := Start(o.Log, bin, "--addr", addr, "--data-dir", filepath.Join(o.Dir, "data"),
		"--credentials", strings.Join(o.Credentials, ","), "--delay", o.Delay.String(), "--password-reset-delay", o.PasswordResetDelay.String())
	if err != nil {
		return nil, err
	}
	// Serving, not only listening: it writes its GCP key file in between.
	if err := p.WaitServing("http://"+addr+"/", 60*time.Second); err != nil {
		p.Stop()
		return nil, fmt.Errorf("the local cloud did not start: %w", err)
	}
	return &Emulator{Process: p, Endpoint: "http://" + addr, Addr: addr}, nil
}
