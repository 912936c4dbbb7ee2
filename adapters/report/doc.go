// Package report builds the reports a programme secretariat and first-level
// control ask for: the Interreg indicator figures per country and month with
// the evidence behind every figure (Indicators), the attendance list of a
// meeting (MeetingAttendance) and the retention overview of the records of
// every project (RetentionOverview), each as JSON-ready values and as CSV.
//
// The HTTP API (GET /v1/reports/…, /v1/meetings/{id}/attendance) and the CLI
// ("nisa report", "nisa retention report") share this package, so both
// answer alike. It only reads: nothing here appends to the store.
//
// Where the figures come from:
//
//   - indicators: the evidence the stats projection records
//     (projections.Reader.Evidence), the meeting and exchange visit
//     aggregates for project references and for the number of participants
//     a meeting registration counts with;
//   - attendance: the meeting aggregate (registrations, participants,
//     statuses, check-in times) and the rosters read model (organisation
//     names and countries);
//   - retention: the global log (RetentionPolicySet, and the project
//     references of MeetingScheduled, MeetingRescheduled and VisitProposed),
//     so it needs no read model at all.
package report
