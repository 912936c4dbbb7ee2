// Package httpapi is nisa's HTTP adapter: routing, problem+json errors
// (RFC 9457) with stable codes, and the operational endpoints /healthz and
// /readyz. The versioned API under /v1 is added to the same Server.
package httpapi
