/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The machine's facts for metadata.json (lib/machine.c): what a result set
 * records about where it ran, so compare can say what else differed.
 */
#ifndef MMAB_MACHINE_H
#define MMAB_MACHINE_H

#include <jansson.h>
#include <stddef.h>

/* The MM knobs every metadata.json records, before and as run (NULL-terminated). */
extern const char *const machine_standard_knobs[];
/* The THP settings as knob paths, for watching what a workload changes (NULL-terminated). */
extern const char *const machine_thp_knobs[];

/*
 * machine_info - a new JSON object with the machine's facts for
 * metadata.json: uname, cmdline, kernel_config_sha256, hostname, cpu_model,
 * cpus, mem_total_kb and thp (raw text of the THP files).  Read before
 * anything changes.  Never fails: what cannot be read is null.
 */
json_t *machine_info(void);

/*
 * machine_read_ahead_kb - the read-ahead of the block device MAJOR:MINOR (a file
 * system's st_dev) under SYSFS ("/sys"; tests hand a fixture tree): its
 * backing device's class/bdi/MAJ:MIN/read_ahead_kb (whole disks, device
 * mapper, md, loop, NFS), else, for a partition, its disk's
 * queue/read_ahead_kb.  DEV gets the device's name ("vda1"; "MAJ:MIN" when
 * it has none).  Returns 0 with *KB, or -ENOENT when no block device backs
 * it (tmpfs, btrfs and overlayfs mounts have anonymous devices), -errno.
 */
int machine_read_ahead_kb(const char *sysfs, unsigned major, unsigned minor, long long *kb,
		     char *dev, size_t devlen);

/*
 * machine_storage_info - a new JSON object for metadata.json's "storage": where
 * the result set, and the page-cache workloads' scratch files, live:
 * `fs_type` (the mount's type under DIR), `device` and `read_ahead_kb`
 * (machine_read_ahead_kb), each null when it cannot be told.  The read-ahead
 * alone changes dirty-mmap's results twentyfold.  Never fails.
 */
json_t *machine_storage_info(const char *dir);

/*
 * machine_knob_values - a new JSON object: each knob in NAMES (NULL-terminated,
 * spelled as a suite spells it) to its current value (knob_read), or null
 * when it cannot be read.  Existing keys of INTO are overwritten; returns
 * INTO, or a new object when INTO is NULL.
 */
json_t *machine_knob_values(json_t *into, const char *const *names);

/*
 * machine_knob_changes - a new JSON object with the knobs of AFTER whose value
 * differs from BEFORE (both as machine_knob_values makes them), to their AFTER
 * value; NULL when nothing changed.
 */
json_t *machine_knob_changes(const json_t *before, const json_t *after);

/*
 * machine_mountinfo_fstype - the file system type ("ext4") of the mount whose
 * device is MAJOR:MINOR in /proc/self/mountinfo TEXT.  Returns 0 or -ENOENT
 * (no such mount) / -EINVAL (malformed line).
 */
int machine_mountinfo_fstype(const char *text, unsigned major, unsigned minor, char *type,
			  size_t len);

/* wlio_fstype - the file system type of the mount PATH lives on.  0 or -errno. */
int machine_fstype(const char *path, char *type, size_t len);

#endif
