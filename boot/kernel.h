/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Kernels under test: what `mmab run --kernel [NAME=]KERNEL` and a suite's
 * `[kernel NAME]` section name, resolved before anything boots.  Four forms
 * of KERNEL:
 *
 *   a Debian package   linux-image-*.deb: its boot/vmlinuz-REL and lib/modules/REL
 *   an image file      vmlinuz or bzImage; modules optional: IMAGE,modules=DIR
 *   a build tree       a directory with arch/x86/boot/bzImage; its modules from the tree
 *   a release          6.1.0-47-amd64: /boot/vmlinuz-REL and /lib/modules/REL
 *
 * NAME (the result sets are LABEL-NAME[-VARIANT]) defaults to the release,
 * read from the image itself (the x86 boot protocol header), never from a
 * file name.  Two kernels with one NAME are refused: a stock and a patched
 * build of one tree often share a release, and must be told apart by NAME=.
 *
 * Backend-neutral: resolution only reads files (and lists a .deb with
 * dpkg-deb); unpacking, module lists and the initramfs are the backends'
 * business (boot/kcache.h), and so are the defaults of memory and cpus (a
 * bare-metal backend refuses them).  Errors name their origin, as
 * "--kernel 'SPEC'" or FILE:LINE, and mean exit 2 before anything boots.
 */
#ifndef MMAB_BOOT_KERNEL_H
#define MMAB_BOOT_KERNEL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum kernel_kind {
	KERNEL_DEB,		/* a Debian package */
	KERNEL_IMAGE,		/* a bzImage file, modules from modules=DIR or none */
	KERNEL_TREE,		/* a build tree */
	KERNEL_INSTALLED,	/* an installed release under ROOT/boot and ROOT/lib/modules */
};

struct kernel {
	char *name;		/* a plain label (mmab_label_valid); NULL until named */
	char *spec;		/* KERNEL as written, without NAME= */
	enum kernel_kind kind;
	char *path;		/* absolute: the .deb, the image, the tree, ROOT/boot/vmlinuz-REL */
	char *image;		/* absolute bzImage; NULL for a .deb (inside the package) */
	char *modules;		/* absolute modules directory (lib/modules/REL, the tree,
				   modules=DIR); NULL: none.  For a .deb: NULL (inside) */
	char *release;		/* from the image's header; for a .deb from its boot/vmlinuz-REL */
	char *append;		/* extra kernel command line; NULL: none */
	uint64_t memory;	/* guest RAM in bytes; 0: the backend's default */
	int cpus;		/* guest CPUs; 0: the backend's default */
	char *origin;		/* for messages: "--kernel 'old=a.deb'" or "FILE:LINE" */
};

/*
 * kernel_parse_arg - split `[NAME=]KERNEL[,modules=DIR]` (the --kernel
 * argument) into K (zeroed first): name (NULL when not given), spec, and
 * modules.  A NAME must be a plain label; what precedes the first '=' is
 * taken as NAME only when it holds no '/'.  Nothing is read from disk.
 * Returns 0, or -EINVAL with the reason in err.
 */
int kernel_parse_arg(const char *arg, struct kernel *k, char *err, size_t errlen);

/*
 * kernel_resolve - find what K->spec names, relative paths from BASE_DIR
 * (NULL: the working directory; a suite's [kernel] section passes its
 * file's directory), an installed release under ROOT ("/"; tests hand a
 * fixture tree): fill kind, path, image, modules (unless given) and
 * release.  Refused: a missing or unreadable file, a .deb that holds no
 * kernel, a build tree without arch/x86/boot/bzImage, a file that is
 * neither a .deb nor a bzImage, modules=DIR that is not a directory.
 * Returns 0, or -EINVAL/-ENOENT with the reason (without the origin) in err.
 */
int kernel_resolve(struct kernel *k, const char *base_dir, const char *root, char *err,
		   size_t errlen);

/*
 * kernel_image_release - the release string of the x86 bzImage at PATH
 * (the text up to the first blank of the kernel_version string the boot
 * protocol header points to) into REL.  0, -errno, or -EINVAL when PATH is
 * no bzImage.
 */
int kernel_image_release(const char *path, char *rel, size_t len);

/* kernel_bzimage_release - the same from the first LEN bytes of an image in BUF. */
int kernel_bzimage_release(const unsigned char *buf, size_t len, char *rel, size_t rlen);

/*
 * kernels_name - give every kernel without a name its release as a label,
 * then refuse two kernels with one name (the message asks for NAME=).
 * Returns 0, or -EINVAL with the reason in err.
 */
int kernels_name(struct kernel *ks, size_t n, char *err, size_t errlen);

/* kernel_kind_name - "deb", "image", "tree", "installed". */
const char *kernel_kind_name(enum kernel_kind kind);

/* kernel_copy - a deep copy of SRC into DST. */
void kernel_copy(struct kernel *dst, const struct kernel *src);

/* kernel_free - free K's strings and zero it. */
void kernel_free(struct kernel *k);

/*
 * kernel_to_json - K as run.json keeps it (and metadata.json's `kernel`
 * takes name, spec and kind from): name, spec, kind, path, image, modules,
 * release, append, memory_bytes, cpus (null when unset).  New reference.
 */
json_t *kernel_to_json(const struct kernel *k);

/*
 * kernel_from_json - K (zeroed first) from kernel_to_json's object,
 * checked: a plain-label name, a known kind, absolute paths.  0, or
 * -EINVAL with the reason in err.
 */
int kernel_from_json(struct kernel *k, const json_t *o, char *err, size_t errlen);

#endif
