// Package domain holds what nisa is about and nothing of how it is stored or
// served: the event store port, the event envelope, expected versions,
// positions in the global log and the errors every adapter translates into.
//
// Package domain imports only the standard library. Adapters (adapters/...)
// implement the ports declared here; cmd/ wires them together.
package domain
