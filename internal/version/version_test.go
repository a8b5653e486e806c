package version

import (
	"runtime"
	"runtime/debug"
	"testing"
)

func TestFrom(t *testing.T) {
	t.Parallel()
	recorded := func(mainVersion string, settings ...debug.BuildSetting) func() (*debug.BuildInfo, bool) {
		return func() (*debug.BuildInfo, bool) {
			return &debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Path: "github.com/partifact/mockserver", Version: mainVersion},
				Settings: settings}, true
		}
	}
	none := func() (*debug.BuildInfo, bool) { return nil, false }
	rev := debug.BuildSetting{Key: "vcs.revision", Value: "0123abc"}
	for _, tc := range []struct {
		name            string
		version, commit string
		read            func() (*debug.BuildInfo, bool)
		want            Info
	}{
		{"Stamped", "v1.4.0", "feed42", recorded("(devel)", rev), Info{"v1.4.0", "feed42", "go1.26.0"}},
		{"Installed", "", "", recorded("v1.3.2", rev), Info{"v1.3.2", "0123abc", "go1.26.0"}},
		{"Dirty", "", "", recorded("(devel)", rev, debug.BuildSetting{Key: "vcs.modified", Value: "true"}), Info{"(devel)", "0123abc-dirty", "go1.26.0"}},
		{"NoVCS", "", "", recorded(""), Info{"(devel)", "unknown", "go1.26.0"}},
		{"NoBuildInfo", "", "", none, Info{"(devel)", "unknown", runtime.Version()}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := from(tc.version, tc.commit, tc.read); got != tc.want {
				t.Fatalf("got %+v, want %+v", got, tc.want)
			}
		})
	}
	if got := (Info{"v1.4.0", "feed42", "go1.26.0"}).String(); got != "mockserver v1.4.0 (commit feed42, go1.26.0)" {
		t.Fatalf("String: %q", got)
	}
}
