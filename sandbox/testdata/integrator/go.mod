// An integrator's module: it requires the mock server and nothing else.
// TestFromAnotherModule copies this file and ../../example_test.go into a
// temporary directory, points the replace directive at the checkout and
// runs go test there offline (GOPROXY=off), on the module cache the main
// module's own build filled.
module example.com/integrator

go 1.26.0

require github.com/partifact/mockserver v0.0.0-00010101000000-000000000000

replace github.com/partifact/mockserver => ../../..
