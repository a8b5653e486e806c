// Package version says which build of the server is running: its version,
// the commit it was built from and the Go release that built it, for
// `mockserver --version` and /healthz.
//
// Both strings can be stamped at build time:
//
//	go build -ldflags "-X github.com/partifact/mockserver/internal/version.Version=v1.4.0 \
//	  -X github.com/partifact/mockserver/internal/version.Commit=$(git rev-parse HEAD)" ./cmd/mockserver
//
// Unstamped, they come from the build information Go records: the module
// version (`go install …@v1.4.0` records it) and the VCS revision (a build
// in a git checkout records it unless -buildvcs=false).
package version

import (
	"runtime"
	"runtime/debug"
)

// Set with -ldflags -X; empty means "read the build information".
var (
	Version string
	Commit  string
)

// Info is one build's identity.
type Info struct {
	Version string `json:"version"` // "(devel)" for a build of a checkout without a stamp
	Commit  string `json:"commit"`  // "unknown" when neither stamped nor recorded
	Go      string `json:"go"`      // e.g. "go1.26.0"
}

// Get reads the running binary's identity.
func Get() Info {
	return from(Version, Commit, debug.ReadBuildInfo)
}

// from is Get with its inputs named, for tests.
func from(version, commit string, read func() (*debug.BuildInfo, bool)) Info {
	in := Info{Version: version, Commit: commit, Go: runtime.Version()}
	bi, ok := read()
	if ok {
		in.Go = bi.GoVersion
		if in.Version == "" {
			in.Version = bi.Main.Version
		}
		if in.Commit == "" {
			rev, dirty := "", false
			for _, s := range bi.Settings {
				switch s.Key {
				case "vcs.revision":
					rev = s.Value
				case "vcs.modified":
					dirty = s.Value == "true"
				}
			}
			if rev != "" && dirty {
				rev += "-dirty"
			}
			in.Commit = rev
		}
	}
	if in.Version == "" {
		in.Version = "(devel)"
	}
	if in.Commit == "" {
		in.Commit = "unknown"
	}
	return in
}

// String is the line `mockserver --version` prints.
func (i Info) String() string {
	return "mockserver " + i.Version + " (commit " + i.Commit + ", " + i.Go + ")"
}
