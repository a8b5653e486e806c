package webhooks

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
)

// ErrNotLoopback: the URL's host is neither loopback nor allowed.
var ErrNotLoopback = errors.New("webhooks: url is not loopback")

// ErrBadURL: the URL is not an absolute http(s) URL with a host.
var ErrBadURL = errors.New("webhooks: url is not an absolute http(s) url")

// Policy decides where webhooks may be sent. By default only loopback:
// 127.0.0.0/8, ::1, localhost and 0.0.0.0 (which Linux dials as loopback).
// AllowHosts widens it to named hosts, e.g. compose service names; those
// resolve to whatever address their name has.
type Policy struct {
	AllowHosts []string
}

func (p Policy) allowedName(host string) bool {
	for _, h := range p.AllowHosts {
		if strings.EqualFold(strings.TrimSuffix(host, "."), strings.TrimSuffix(h, ".")) {
			return true
		}
	}
	return false
}

func loopbackIP(ip net.IP) bool { return ip.IsLoopback() || ip.IsUnspecified() }

// Check is the static check at subscription time: the URL's form and its
// host as written. Addresses are checked again at every dial (see dial).
func (p Policy) Check(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" || u.User != nil {
		return ErrBadURL
	}
	host := u.Hostname()
	switch {
	case p.allowedName(host), strings.EqualFold(host, "localhost"):
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && loopbackIP(ip) {
		return nil
	}
	return ErrNotLoopback
}

// dial connects to addr (host:port) only at an address the policy allows:
// an allowed name is dialled as is; any other host is resolved here, every
// address it resolves to must be loopback, and the connection goes to the
// address just checked, so a name cannot change its answer in between.
func (p Policy) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	var d net.Dialer
	if p.allowedName(host) {
		return d.DialContext(ctx, network, addr)
	}
	ips, err := net.DefaultResolver.LookupIPAddr(ctx, host)
	if err != nil {
		return nil, err
	}
	for _, ip := range ips {
		if !loopbackIP(ip.IP) {
			return nil, fmt.Errorf("%w: %s resolves to %s", ErrNotLoopback, host, ip.IP)
		}
	}
	var last error = fmt.Errorf("webhooks: %s has no address", host)
	for _, ip := range ips {
		c, err := d.DialContext(ctx, network, net.JoinHostPort(ip.IP.String(), port))
		if err == nil {
			return c, nil
		}
		last = err
	}
	return nil, last
}

// DialContext is dial for other outbound calls that follow the webhook
// rules (the ServiceMobility stand-in's forwarding): an http.Transport's
// DialContext that re-checks every address at dial time.
func (p Policy) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	return p.dial(ctx, network, addr)
}
