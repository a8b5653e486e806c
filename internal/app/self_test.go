package app

import (
	"net"
	"testing"
)

// The server reaches itself on loopback at its own port, or not at all.
func TestLoopbackBase(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		addr net.Addr
		want string
	}{
		{&net.TCPAddr{IP: net.IPv6unspecified, Port: 8080}, "http://127.0.0.1:8080"},
		{&net.TCPAddr{IP: net.IPv4zero, Port: 8080}, "http://127.0.0.1:8080"},
		{&net.TCPAddr{IP: net.IPv4(127, 0, 0, 2), Port: 9000}, "http://127.0.0.2:9000"},
		{&net.TCPAddr{IP: net.IPv6loopback, Port: 9000}, "http://[::1]:9000"},
		{&net.TCPAddr{IP: net.IPv4(10, 1, 2, 3), Port: 8080}, ""},
		{&net.UnixAddr{Name: "/tmp/s", Net: "unix"}, ""},
	} {
		if got := loopbackBase(tc.addr); got != tc.want {
			t.Errorf("%v: %q, want %q", tc.addr, got, tc.want)
		}
	}
}
