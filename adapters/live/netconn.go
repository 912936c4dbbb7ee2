package live

import (
	"bufio"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
)

// maxBatchBytes bounds what one connection gathers before a system call.
const maxBatchBytes = 64 << 10

// batchPool holds the gathering buffers between batches, so an idle
// connection holds none.
var batchPool = sync.Pool{New: func() any { b := make([]byte, 0, 16<<10); return &b }}

// batchConn is the hijacked network connection under a websocket. Between
// begin and flush it gathers what gorilla writes (whole frames: gorilla
// serialises its writes) and sends it in one system call, so a writer
// with several queued messages pays one write, not one per message — the
// kernel's per-call cost is what limits fan-out on a busy server. Outside
// a batch, writes (pings, the close frame) go straight through.
type batchConn struct {
	net.Conn

	writes *atomic.Int64 // the hub's count of socket writes

	mu       sync.Mutex
	batching bool
	buf      *[]byte
}

// begin starts gathering writes.
func (b *batchConn) begin() {
	b.mu.Lock()
	b.batching = true
	b.mu.Unlock()
}

// flush sends what was gathered and stops gathering.
func (b *batchConn) flush() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.batching = false
	return b.flushLocked()
}

func (b *batchConn) flushLocked() error {
	if b.buf == nil {
		return nil
	}
	buf := b.buf
	b.buf = nil
	b.writes.Add(1)
	_, err := b.Conn.Write(*buf)
	if cap(*buf) <= 4*maxBatchBytes {
		*buf = (*buf)[:0]
		batchPool.Put(buf)
	}
	return err
}

// Write gathers p during a batch (sending first what was gathered when p
// would overflow the bound) and writes it directly otherwise.
func (b *batchConn) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.batching {
		if b.buf != nil && len(*b.buf)+len(p) > maxBatchBytes {
			if err := b.flushLocked(); err != nil {
				return 0, err
			}
		}
		if b.buf == nil {
			b.buf = batchPool.Get().(*[]byte)
		}
		*b.buf = append(*b.buf, p...)
		return len(p), nil
	}
	if err := b.flushLocked(); err != nil {
		return 0, err
	}
	b.writes.Add(1)
	return b.Conn.Write(p)
}

// Close sends what was gathered (a close frame written during a batch)
// and closes the connection.
func (b *batchConn) Close() error {
	b.mu.Lock()
	b.batching = false
	_ = b.flushLocked()
	b.mu.Unlock()
	return b.Conn.Close()
}

// hijacker hands the websocket upgrader a batchConn instead of the raw
// connection.
type hijacker struct {
	http.ResponseWriter
	writes *atomic.Int64
	conn   *batchConn
}

func (h *hijacker) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	c, brw, err := http.NewResponseController(h.ResponseWriter).Hijack()
	if err != nil {
		return nil, nil, err
	}
	h.conn = &batchConn{Conn: c, writes: h.writes}
	return h.conn, brw, nil
}

// Unwrap lets http.ResponseController reach the server's writer.
func (h *hijacker) Unwrap() http.ResponseWriter { return h.ResponseWriter }
