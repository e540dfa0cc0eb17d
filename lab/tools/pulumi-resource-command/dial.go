package main

import (
	"context"
	"fmt"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/retry"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"golang.org/x/crypto/ssh"
)

// retryDelay is the first pause between dials; sdk's retry then backs off 1.5x up to
// 5 s, the schedule upstream uses. Tests shorten it.
var retryDelay = retry.DefaultDelay

// reachedDialLimit: upstream gives up once the failed dials exceed dialErrorLimit,
// so a limit of 10 allows 11 dials; -1 (or below) never gives up.
func reachedDialLimit(failedDials, limit int) bool {
	return limit >= 0 && failedDials > limit
}

// withRetries calls dial until it succeeds, the limit is reached or ctx ends, logging
// each failed attempt as a status line ("Dial 1/10 failed: retrying").
func withRetries[T any](ctx context.Context, p *provider, urn, what string, limit int, dial func() (T, error)) (T, error) {
	var last error
	delay := retryDelay
	ok, data, err := retry.Until(ctx, retry.Acceptor{
		Delay: &delay,
		Accept: func(try int, _ time.Duration) (bool, any, error) {
			v, err := dial()
			if err == nil {
				return true, v, nil
			}
			last = err
			if reachedDialLimit(try+1, limit) {
				return false, nil, fmt.Errorf("%s: after %d failed attempts: %w", what, try+1, err)
			}
			max := "inf"
			if limit >= 0 {
				max = fmt.Sprint(limit)
			}
			p.log(pulumirpc.LogSeverity_INFO, urn, fmt.Sprintf("%s %d/%s failed: retrying", what, try+1, max), true)
			return false, nil, nil
		},
	})
	var zero T
	switch {
	case err != nil:
		return zero, err
	case !ok:
		// Cancelled (e.g. the engine's Cancel or a timeout): say what we last saw.
		return zero, fmt.Errorf("%s: %w (last error: %v)", what, context.Cause(ctx), last)
	}
	return data.(T), nil
}

// connect dials the `connection` input of a resource.
func (p *provider) connect(ctx context.Context, urn string, ins resource.PropertyMap) (*ssh.Client, error) {
	c, err := connOf(ins)
	if err != nil {
		return nil, err
	}
	return p.dial(ctx, urn, c)
}

// dial connects to the host, through the bastion in `proxy` when there is one; each
// hop retries with its own dialErrorLimit, as upstream.
func (p *provider) dial(ctx context.Context, urn string, c *conn) (*ssh.Client, error) {
	cfg, err := c.config()
	if err != nil {
		return nil, err
	}
	if c.proxy == nil {
		return withRetries(ctx, p, urn, "Dial "+c.addr(), c.dialErrorLimit, func() (*ssh.Client, error) {
			return ssh.Dial("tcp", c.addr(), cfg)
		})
	}
	pcfg, err := c.proxy.config()
	if err != nil {
		return nil, fmt.Errorf("proxy: %w", err)
	}
	bastion, err := withRetries(ctx, p, urn, "Dial proxy "+c.proxy.addr(), c.proxy.dialErrorLimit, func() (*ssh.Client, error) {
		return ssh.Dial("tcp", c.proxy.addr(), pcfg)
	})
	if err != nil {
		return nil, err
	}
	client, err := withRetries(ctx, p, urn, "Dial "+c.addr()+" from proxy", c.dialErrorLimit, func() (*ssh.Client, error) {
		nc, err := bastion.Dial("tcp", c.addr())
		if err != nil {
			return nil, err
		}
		cc, chans, reqs, err := ssh.NewClientConn(nc, c.addr(), cfg)
		if err != nil {
			nc.Close()
			return nil, err
		}
		return ssh.NewClient(cc, chans, reqs), nil
	})
	if err != nil {
		bastion.Close()
		return nil, err
	}
	// The bastion connection lives as long as the one tunnelled through it.
	go func() {
		_ = client.Wait()
		bastion.Close()
	}()
	return client, nil
}
