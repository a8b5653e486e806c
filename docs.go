package mockserver

import "embed"

// Docs holds the markdown guides of docs/, served as /docs/<page>.md.
//
//go:embed docs/*.md
var Docs embed.FS
