/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The sampler: one thread per iteration that drives the periodic
 * collectors on an absolute clock and starts and stops the asynchronous
 * ones (collectors/sampler.c).  The collectors' own contract is
 * collector.h.
 */
#ifndef MMAB_SAMPLER_H
#define MMAB_SAMPLER_H

#include <jansson.h>
#include <stddef.h>

struct collector_cfg;
struct sampler;

/*
 * sampler_start - open every configured collector for the iteration in DIR
 * (a collector that fails to open is reported once, naming DIR, and
 * dropped), take the t=0 sample synchronously and start the sampler thread.
 * Returns 0 or -errno, reported here; *sp is the handle.
 */
int sampler_start(struct sampler **sp, const char *dir, const struct collector_cfg *cfgs,
		  size_t ncfg);
/*
 * sampler_stop - take the end sample synchronously, stop the thread, close
 * every collector and flush its CSV.  Returns 0 or the first -errno, each
 * failure reported here once.  NULL is fine.
 */
int sampler_stop(struct sampler *s);
/*
 * sampler_status - NULL while configured collector I (index into the cfgs
 * given to sampler_start) runs, else why it was dropped ("needs root ...",
 * "cannot open ...", a parse error).  Valid until sampler_stop.
 */
const char *sampler_status(const struct sampler *s, size_t i);

/*
 * sampler_record_dropped - a collector that could run here may still fail to
 * open or stop sampling (the sampler reports it once): in COL_META, the
 * metadata.json "collectors" array, the status of each of the N collectors
 * in COLS that sampler S dropped becomes why, instead of "ok".  S NULL: the
 * sampler did not start at all.
 */
void sampler_record_dropped(json_t *col_meta, const struct collector_cfg *cols, size_t n,
			   const struct sampler *s);

#endif
