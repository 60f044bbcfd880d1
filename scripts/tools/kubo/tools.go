//go:build tools

// Package tools pins Kubo, the IPFS node each hospital runs.
package tools

import _ "github.com/ipfs/kubo/cmd/ipfs"
