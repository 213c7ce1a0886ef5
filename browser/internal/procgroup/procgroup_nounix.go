//go:build !unix

package procgroup

import "errors"

// Members fails: process groups are a Unix thing.
func Members(pgid int) ([]int, error) {
	return nil, errors.ErrUnsupported
}
