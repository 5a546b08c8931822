/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Parsing the guest's messages (boot/channel.h).  A malformed line is
 * CHAN_OTHER, never an error: the guest is the thing under test.
 */
#include <stdio.h>
#include <string.h>

#include "boot/channel.h"
#include "lib/mmab.h"

enum channel_kind channel_parse(const char *line, struct channel_msg *m)
{
	char extra;

	memset(m, 0, sizeof(*m));
	if (!strcmp(line, "hb"))
		m->kind = CHAN_HEARTBEAT;
	else if (!strncmp(line, "hello {", 7)) {
		m->kind = CHAN_HELLO;
		m->json = line + 6;
	} else if (sscanf(line, "begin %64s %64s %d %c", m->set, m->workload, &m->iteration,
			  &extra) == 3)
		m->kind = CHAN_BEGIN;
	else if (sscanf(line, "end %64s %64s %d %15s %c", m->set, m->workload, &m->iteration,
			m->status, &extra) == 4)
		m->kind = CHAN_END;
	else if (sscanf(line, "done %d %c", &m->rc, &extra) == 1)
		m->kind = CHAN_DONE;
	if ((m->kind == CHAN_BEGIN || m->kind == CHAN_END) &&
	    (!mmab_label_valid(m->set) || !mmab_label_valid(m->workload) || m->iteration < 1))
		m->kind = CHAN_OTHER;
	return m->kind;
}
