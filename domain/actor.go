package domain

import "fmt"

// Role is what an authenticated caller may do (DESIGN.md §4).
type Role string

// Roles.
const (
	// RoleAdmin may do everything.
	RoleAdmin Role = "admin"
	// RoleCoordinator runs meetings, verifies organisations and follows
	// exchange visits (schedules, completes or cancels them; accepting a
	// visit is the host's decision) on behalf of a programme or project.
	RoleCoordinator Role = "coordinator"
	// RolePartner acts for one organisation: its profile, its offers, its
	// registrations and the exchange visits where it is guest or host.
	RolePartner Role = "partner"
	// RoleAuditor reads everything and changes nothing.
	RoleAuditor Role = "auditor"
)

// Roles lists every role.
var Roles = []Role{RoleAdmin, RoleCoordinator, RolePartner, RoleAuditor}

// ParseRole returns the role named s or a *ValidationError.
func ParseRole(s string) (Role, error) {
	for _, r := range Roles {
		if string(r) == s {
			return r, nil
		}
	}
	return "", &ValidationError{Field: "role", Value: s, Reason: "must be admin, coordinator, partner or auditor"}
}

// Actor is who runs a command: the subject of a bearer token (or the
// system itself), its role and, for partners, the organisation it acts for.
type Actor struct {
	// ID identifies the credential, e.g. "token:3f9c…" or "system:expiry".
	ID   string
	Role Role
	// OrgID is the organisation a partner acts for.
	OrgID string
}

// System returns the actor for changes the server makes by itself
// (expiry, promotions from a waitlist, …).
func System(component string) Actor {
	return Actor{ID: "system:" + component, Role: RoleAdmin}
}

// String is what is recorded as an event's actor.
func (a Actor) String() string {
	if a.OrgID != "" {
		return fmt.Sprintf("%s (%s of organisation %s)", a.ID, a.Role, a.OrgID)
	}
	return fmt.Sprintf("%s (%s)", a.ID, a.Role)
}

// ActsFor reports whether a may act for organisation orgID: admins for
// every organisation, partners for their own.
func (a Actor) ActsFor(orgID string) bool {
	return a.Role == RoleAdmin || (a.Role == RolePartner && a.OrgID == orgID)
}

// IsStaff reports whether a is an admin or a coordinator.
func (a Actor) IsStaff() bool { return a.Role == RoleAdmin || a.Role == RoleCoordinator }

// forbid returns an ErrForbidden error explaining what a may not do.
func forbid(a Actor, what string) error {
	return fmt.Errorf("%w: %s may not %s", ErrForbidden, a.Role, what)
}
