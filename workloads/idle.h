/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The `idle` workload's parsers and arithmetic, declared apart so unit tests
 * feed them /proc/stat and /proc/vmstat captures without running anything.
 */
#ifndef MMAB_IDLE_H
#define MMAB_IDLE_H

#include <stdint.h>

/* The machine-wide "cpu" line of /proc/stat (USER_HZ ticks) and the event counters. */
struct idle_cpu {
	uint64_t user, nice, system, idle, iowait, irq, softirq, steal;
	uint64_t ctxt;		/* context switches since boot */
	uint64_t intr;		/* interrupts since boot (first field of "intr") */
};

/*
 * idle_stat_parse - read the "cpu", "ctxt" and "intr" lines of /proc/stat
 * TEXT into *c.  Kernels before 2.6.11 lack steal; anything shorter than
 * the eight fields user..steal, or a missing ctxt/intr line, is -EINVAL.
 * Returns 0 or -EINVAL.
 */
int idle_stat_parse(const char *text, struct idle_cpu *c);

/* Shares of all CPU time between two snapshots, in percent (NaN when no tick passed). */
struct idle_cpu_pct {
	double busy;		/* user + nice + system + irq + softirq */
	double user;		/* user + nice (guest time is inside) */
	double system;
	double irq;		/* irq + softirq */
	double iowait;
	double steal;		/* taken by the hypervisor */
};

/* idle_cpu_share - the shares of A -> B; a counter that went backwards gives NaN. */
void idle_cpu_share(const struct idle_cpu *a, const struct idle_cpu *b, struct idle_cpu_pct *p);

/*
 * idle_counter - the value of counter NAME in TEXT formatted "name value"
 * per line (/proc/vmstat), or -1 when absent or malformed.
 */
long long idle_counter(const char *text, const char *name);

#endif
