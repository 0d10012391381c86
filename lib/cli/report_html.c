/*
 * report_html.c - the two review pages (report_view.h).
 */
#include "cli/report_view.h"

int report_html_timekeeping(const char *tenant, const char *period, jv detachments, jv anomalies,
                            jv absences, FILE *out, armms_err *err)
{
    jv_free(detachments);
    jv_free(anomalies);
    jv_free(absences);
    return err_set(err, EXIT_SOFTWARE, "no HTML yet");
}

int report_html_payrun(const char *tenant, jv payrun, jv sheets, jv previous, FILE *out,
                       armms_err *err)
{
    jv_free(payrun);
    jv_free(sheets);
    jv_free(previous);
    return err_set(err, EXIT_SOFTWARE, "no HTML yet");
}
