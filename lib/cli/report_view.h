/*
 * report_view.h - how each read-only report (out/report.h) looks: its
 * columns for the table, CSV and XLSX (cli/render.h), and the two review
 * pages in HTML (report_html.c). A view shows the records it is given and
 * never recomputes them; its totals row sums the rows shown.
 *
 * Names are "Last, First" (field name), hours h:mm on a terminal, money
 * with thousands separators; personal numbers never reach a report (the
 * queries do not select them, and render masks them by name anyway).
 *
 * Memory: the jv rule; records passed in are consumed.
 *
 * Uses cli/render.h and core.
 */
#ifndef ARMMS_CLI_REPORT_VIEW_H
#define ARMMS_CLI_REPORT_VIEW_H

#include <jv.h>
#include <stdio.h>

#include "cli/render.h"
#include "core/util.h"

/* The column table of a report by its name ("exceptions", "dtr",
 * "timesheets", "detachment", "roster", "changes", "obligations",
 * "paysheets", "leave"); NULL for none. */
const render_col *report_cols(const char *report);

/* Show records of report in fmt; o may be NULL. */
int report_view(const char *report, jv records, FILE *out, render_format fmt, const render_opts *o,
                armms_err *err);

/* A guard's period: the DTRs (with a totals row) and the timesheets. CSV
 * holds the DTR rows; NDJSON both kinds of record; XLSX a sheet of each. */
int report_view_guard(const char *title, jv dtrs, jv timesheets, FILE *out, render_format fmt,
                      int bom, armms_err *err);

/* The review pages: one self-contained HTML document each (inline CSS and
 * SVG; no script, no network).
 *  - timekeeping: the period's DetachmentSummary records, the anomaly
 *    counts [{code,count}] and the ABSENT exceptions;
 *  - payrun: the Payrun record, its PaysheetSummary records and the
 *    previous period's (an array, maybe empty) for the largest changes. */
int report_html_timekeeping(const char *tenant, const char *period, jv detachments, jv anomalies,
                            jv absences, FILE *out, armms_err *err);
int report_html_payrun(const char *tenant, jv payrun, jv sheets, jv previous, FILE *out,
                       armms_err *err);

#endif
