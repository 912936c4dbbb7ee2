// Package eventstoretest is the contract test suite every domain.EventStore
// adapter runs: the embedded store, PostgreSQL and EventStoreDB. It checks
// the promises of the port (atomic appends with expected versions, idempotency
// by event id, stream and global reads, catch-up subscriptions) including
// under real concurrency, and offers a crash test (RunDurability) that
// kill -9s a process appending under load.
//
// An adapter runs it in a few lines:
//
//	func TestContract(t *testing.T) {
//		eventstoretest.Run(t, func(t *testing.T) domain.EventStore {
//			s, err := embedded.Open(t.TempDir(), embedded.Options{})
//			if err != nil {
//				t.Fatal(err)
//			}
//			return s
//		}, eventstoretest.Features{DensePositions: true, DetectsChangedDuplicates: true})
//	}
//
// Features switch off checks for behaviour an adapter cannot offer; each flag
// says what it covers.
package eventstoretest
