//go:build tools

// Package tools pins the Fabric CA binaries the bootstrap builds (go install module@version
// refuses this module because of its replace directives).
package tools

import (
	_ "github.com/hyperledger/fabric-ca/cmd/fabric-ca-client"
	_ "github.com/hyperledger/fabric-ca/cmd/fabric-ca-server"
)
