/* SPDX-License-Identifier: GPL-2.0-or-later */
/* TEMPORARY STUB: replaced by the real knob journal. */
#include <errno.h>
#include "runner/knob.h"

int knob_journal_recover(bool verbose)
{
	(void)verbose;
	return 0;
}
