package mockserver

import "embed"

// Docs holds the markdown guides of docs/, served as /docs/<page>.md.
//
//go:embed docs/*.md
var Docs embed.FS

// Readme is README.md, whose walk-through the dashboard shows at
// /ui/walkthrough with the server's own address in its commands.
//
//go:embed README.md
var Readme []byte
