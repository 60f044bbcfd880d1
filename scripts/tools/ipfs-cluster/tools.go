//go:build tools

// Package tools pins IPFS Cluster, which replicates pins across the hospitals' IPFS nodes.
package tools

import (
	_ "github.com/ipfs-cluster/ipfs-cluster/cmd/ipfs-cluster-ctl"
	_ "github.com/ipfs-cluster/ipfs-cluster/cmd/ipfs-cluster-service"
)
