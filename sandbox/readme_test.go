package sandbox_test

import (
	"os"
	"strings"
	"testing"
)

// The README shows example_test.go's test as it is.
func TestReadmeShowsTheExample(t *testing.T) {
	t.Parallel()
	example, err := os.ReadFile("example_test.go")
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	fn := string(example[strings.Index(string(example), "func TestExampleJobInserted"):])
	if !strings.Contains(string(readme), "```go\n"+fn+"```\n") {
		t.Fatal("README.md's \"For Go tests\" does not show example_test.go's TestExampleJobInserted as it is")
	}
}
