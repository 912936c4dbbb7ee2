package httpapi

import (
	"bytes"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/nisa-eu/nisa/adapters/audit"
	"github.com/nisa-eu/nisa/domain"
)

// AuditLog is the tamper-evident log behind /v1/audit (adapters/audit).
type AuditLog struct {
	Tree *audit.Tree
	// Events is the event store as stored (personal data sealed): the
	// tree's leaves and the bundles' events.jsonl are its bytes.
	Events domain.EventStore
	// Signer signs tree heads; VerifierKey is its public key.
	Signer      note.Signer
	VerifierKey string
}

// headView is a signed tree head.
type headView struct {
	Size int64     `json:"size"`
	Root string    `json:"root"`
	Time time.Time `json:"time"`
	// Note is the signed note: the head text and the signature line.
	Note string `json:"note"`
}

func viewHead(h audit.Head) headView {
	return headView{Size: h.Size, Root: h.Root.String(), Time: h.Time, Note: h.Note}
}

type verifierKeyView struct {
	// Key is the Ed25519 verifier key in the signed-note format
	// (golang.org/x/mod/sumdb/note): name+hash+base64 key.
	Key string `json:"key"`
}

// sizeParam reads an optional non-negative tree size from the query.
func sizeParam(r *http.Request, name string) (int64, error) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return 0, invalid("/query/"+name, fmt.Sprintf("%s %q is not a tree size (a non-negative integer)", name, s))
	}
	return n, nil
}

func (a *API) auditRoutes() []route {
	log := a.cfg.Audit
	if log == nil {
		return nil
	}
	readers := []domain.Role{domain.RoleAdmin, domain.RoleCoordinator, domain.RoleAuditor}
	return []route{
		{method: "GET", path: "/v1/audit/head", op: "getTreeHead", who: "admin, coordinator, auditor",
			summary: "The latest signed tree head of the tamper-evident log: size, RFC 6962 root hash (base64), time and the Ed25519-signed note; 404 before the first head is signed",
			resp:    headView{}, status: 200,
			handle: func(w http.ResponseWriter, r *http.Request, c *call) error {
				if err := c.requireRole("read the audit log", readers...); err != nil {
					return err
				}
				h, ok, err := log.Tree.Storage().LatestHead(r.Context())
				if err != nil {
					return err
				}
				if !ok {
					return fmt.Errorf("%w: no tree head signed yet (POST /v1/audit/heads signs one)", domain.ErrNotFound)
				}
				writeJSON(w, http.StatusOK, viewHead(h))
				return nil
			}},
		{method: "POST", path: "/v1/audit/heads", op: "signTreeHead", who: "admin, coordinator",
			summary: "Bring the tree up to the end of the log and sign a tree head now (heads are also signed at the server's --audit-sign-interval)",
			resp:    headView{}, status: 201,
			handle: func(w http.ResponseWriter, r *http.Request, c *call) error {
				if err := c.requireRole("sign tree heads", domain.RoleAdmin, domain.RoleCoordinator); err != nil {
					return err
				}
				h, err := log.Tree.SignHead(r.Context())
				if err != nil {
					return err
				}
				writeJSON(w, http.StatusCreated, viewHead(h))
				return nil
			}},
		{method: "GET", path: "/v1/audit/key", op: "getVerifierKey", public: true,
			summary: "The Ed25519 verifier key of the tree heads (signed-note format); pin it out of band and pass it to nisa audit verify --key",
			resp:    verifierKeyView{}, status: 200,
			handle: func(w http.ResponseWriter, r *http.Request, c *call) error {
				writeJSON(w, http.StatusOK, verifierKeyView{Key: log.VerifierKey})
				return nil
			}},
		{method: "GET", path: "/v1/audit/proofs/inclusion", op: "getInclusionProof", who: "admin, coordinator, auditor",
			summary: "Proof that an event (?event_id=) is leaf i of the tree of ?size= leaves (default: the latest signed head; one is signed when none covers the event yet), with the leaf hash and the head to check it against",
			resp:    audit.Inclusion{}, status: 200,
			handle: func(w http.ResponseWriter, r *http.Request, c *call) error {
				if err := c.requireRole("read the audit log", readers...); err != nil {
					return err
				}
				id, err := domain.ParseEventID(r.URL.Query().Get("event_id"))
				if err != nil {
					return invalid("/query/event_id", "event_id must be an event's UUID")
				}
				size, err := sizeParam(r, "size")
				if err != nil {
					return err
				}
				p, err := log.Tree.InclusionProofOf(r.Context(), id, size)
				if err != nil {
					return err
				}
				writeJSON(w, http.StatusOK, p)
				return nil
			}},
		{method: "GET", path: "/v1/audit/proofs/consistency", op: "getConsistencyProof", who: "admin, coordinator, auditor",
			summary: "Proof that the tree of ?to= leaves extends the tree of ?from= leaves (RFC 6962 consistency), with both roots",
			resp:    audit.Consistency{}, status: 200,
			handle: func(w http.ResponseWriter, r *http.Request, c *call) error {
				if err := c.requireRole("read the audit log", readers...); err != nil {
					return err
				}
				from, err := sizeParam(r, "from")
				if err != nil {
					return err
				}
				to, err := sizeParam(r, "to")
				if err != nil {
					return err
				}
				if from == 0 || to == 0 || from > to {
					return invalid("/query/from", "from and to are tree sizes with 0 < from ≤ to")
				}
				p, err := log.Tree.ConsistencyProof(r.Context(), from, to)
				if err != nil {
					return err
				}
				writeJSON(w, http.StatusOK, p)
				return nil
			}},
		{method: "GET", path: "/v1/audit/export", op: "exportAuditBundle", who: "admin, auditor",
			summary: "An evidence bundle (tar.gz: events.jsonl, signed heads, inclusion and consistency proofs, the verifier key, a README) for the events ?from= … ?to= (positions, RFC 3339 times or #leaf-index; default the whole log); check it offline with nisa audit verify --bundle FILE",
			status:  200,
			handle: func(w http.ResponseWriter, r *http.Request, c *call) error {
				if err := c.requireRole("export audit bundles", domain.RoleAdmin, domain.RoleAuditor); err != nil {
					return err
				}
				ctx := r.Context()
				if _, err := log.Tree.CatchUp(ctx); err != nil {
					return err
				}
				from, to, err := audit.IndexRange(ctx, log.Tree.Storage(), log.Events, r.URL.Query().Get("from"), r.URL.Query().Get("to"))
				if err != nil {
					return err
				}
				var buf bytes.Buffer
				m, err := audit.Export(ctx, &buf, log.Events, log.Tree.Storage(), log.Signer, log.VerifierKey, from, to)
				if err != nil {
					return err
				}
				w.Header().Set("Content-Type", "application/gzip")
				w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="nisa-audit-%d-%d.tar.gz"`, m.From, m.To))
				w.WriteHeader(http.StatusOK)
				_, _ = w.Write(buf.Bytes())
				return nil
			}},
	}
}
