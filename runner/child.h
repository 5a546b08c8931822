/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Isolation: one workload iteration (a function) or one command (an argv,
 * exec'd without a shell) runs in a child process placed in its own memory
 * cgroup (v2 where the memory controller is enabled, v1 otherwise), with a
 * timeout.  How it ended is classified here, once, for status.csv: ok,
 * skipped (exit 4), or failed with a reason (oom, timeout, signal, exit,
 * error).  The cgroup is journaled before it is created, so it is removed
 * even after the runner is killed; on return nothing is left behind: every
 * process in the cgroup has been killed and reaped and the cgroup removed.
 */
#ifndef MMAB_CHILD_H
#define MMAB_CHILD_H

#include <stdint.h>
#include <sys/types.h>

struct journal;

enum child_outcome {
	CHILD_OK,		/* exit 0 */
	CHILD_SKIPPED,		/* exit 4: could not run here; reason from its stderr */
	CHILD_FAILED,
};

struct child_spec {
	const char *name;		/* for the cgroup name: "mmab-<runner pid>-<name>" */
	/*
	 * fn - run in the child (after it is in its cgroup, with SIGINT,
	 * SIGTERM and SIGHUP reset to default unless fn installs its own);
	 * its return value is the exit status.  NULL: exec argv instead.
	 */
	int (*fn)(void *arg);
	void *arg;
	char *const *argv;		/* execvp'd when fn is NULL */
	const char *stdout_path;	/* appended to; NULL: inherit */
	const char *stderr_path;	/* appended to; NULL: inherit */
	double timeout_s;		/* 0: none.  On expiry: SIGTERM to the child, */
	double grace_s;			/* then SIGKILL to the whole cgroup after grace_s (0: 5 s) */
	uint64_t memcg_limit;		/* bytes; 0: no limit (the cgroup still isolates and counts) */
	struct journal *journal;	/* the cgroup is journaled here before it is made */
};

struct child_result {
	enum child_outcome outcome;
	/*
	 * "" when ok; for CHILD_FAILED one of "oom", "timeout", "signal",
	 * "exit", "error" (could not fork/exec/make the cgroup); for
	 * CHILD_SKIPPED the last line the child wrote to its stderr (without a
	 * leading "mmab: ").
	 */
	char reason[256];
	int exit_code;			/* -1 when it did not exit */
	int signal;			/* the signal that ended it, 0 when it exited */
	double duration_s;		/* fork to reap */
	uint64_t memory_peak;		/* bytes the cgroup peaked at, 0 if unknown */
	long oom_kills;			/* OOM kills inside the cgroup (any OOM killer) */
	pid_t pid;
};

/*
 * child_run - run SPEC to completion and classify the outcome into *res.
 * An OOM kill is detected from the cgroup's own counters (memory.events
 * oom_kill on v2, memory.oom_control oom_kill on v1), so a global OOM kill
 * under the ballast is recognised as well as a memcg one.  SIGINT/SIGTERM
 * to the runner while waiting: the child's cgroup is killed and reaped,
 * then the signal is handled as the runner installed it.  Returns 0 when
 * the outcome was recorded (whatever it was) or -errno when the runner
 * itself failed (reported).
 */
int child_run(const struct child_spec *spec, struct child_result *res);

/*
 * child_cgroup_mode - "v2", "v1" or NULL when no memory cgroup can be made
 * here (not root, no memory controller); why gets the reason.  For
 * `mmab list`, metadata.json and --dry-run.
 */
const char *child_cgroup_mode(char *why, size_t whylen);

#endif
