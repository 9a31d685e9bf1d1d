package engines

import (
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"syscall"
)

// Runtime is the account an engine's processes run as. PostgreSQL and
// MariaDB refuse to run as root, and sessions and CI run as root, so as
// root the server runs as the engine's system user; otherwise as the
// invoking user (Cred nil).
type Runtime struct {
	User string
	Cred *syscall.Credential
}

// runtimeFor resolves the account for an engine's system user.
func runtimeFor(systemUser string) (*Runtime, error) {
	if os.Geteuid() != 0 {
		return &Runtime{}, nil
	}
	u, err := user.Lookup(systemUser)
	if err != nil {
		return nil, fmt.Errorf("the local cloud runs as root, and the engine refuses root, so it must run as system user %q, which does not exist: %w", systemUser, err)
	}
	uid, err := strconv.ParseUint(u.Uid, 10, 32)
	if err != nil {
		return nil, err
	}
	gid, err := strconv.ParseUint(u.Gid, 10, 32)
	if err != nil {
		return nil, err
	}
	return &Runtime{User: systemUser, Cred: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}}, nil
}

// Apply makes cmd run as this runtime's account.
func (rt *Runtime) Apply(cmd *exec.Cmd) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Credential = rt.Cred
}

// Own gives path to the runtime's account.
func (rt *Runtime) Own(path string) error {
	if rt.Cred == nil {
		return nil
	}
	return os.Chown(path, int(rt.Cred.Uid), int(rt.Cred.Gid))
}

// CheckReach fails when the runtime's account cannot traverse every parent
// of dir, which would make the engine fail later with a less clear error.
func (rt *Runtime) CheckReach(dir string) error {
	if rt.Cred == nil {
		return nil
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	for p := filepath.Dir(abs); ; p = filepath.Dir(p) {
		fi, err := os.Stat(p)
		if err != nil {
			return err
		}
		if !traversable(fi, rt.Cred) {
			return fmt.Errorf("the engine runs as user %s, which cannot enter %s (mode %v): choose a data dir that user can reach, or chmod o+x %s", rt.User, p, fi.Mode().Perm(), p)
		}
		if p == filepath.Dir(p) {
			return nil
		}
	}
}

func traversable(fi os.FileInfo, c *syscall.Credential) bool {
	mode := fi.Mode().Perm()
	st, ok := fi.Sys().(*syscall.Stat_t)
	switch {
	case mode&0o001 != 0:
		return true
	case ok && st.Uid == c.Uid:
		return mode&0o100 != 0
	case ok && st.Gid == c.Gid:
		return mode&0o010 != 0
	}
	return false
}

// CheckReach fails, naming the user and the directory, when an engine
// would run as an account that cannot enter dir (a checkout under a home
// directory of mode 700, say). Engines whose account does not exist are
// skipped: they cannot run here anyway, and say so when asked for.
func CheckReach(dir string, drivers ...Driver) error {
	seen := map[string]bool{}
	for _, d := range drivers {
		u := d.SystemUser()
		if seen[u] {
			continue
		}
		seen[u] = true
		rt, err := runtimeFor(u)
		if err != nil {
			continue
		}
		// The runtime's CheckReach checks the parents of its argument:
		// dir itself must be entered too.
		if err := rt.CheckReach(filepath.Join(dir, "x")); err != nil {
			return err
		}
	}
	return nil
}
