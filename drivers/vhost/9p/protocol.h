/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vhost-9p protocol: the 9P2000.L wire format, and nothing else.
 *
 * This file and protocol.c touch no VFS, no vhost and no allocator, so that
 * they also build in userspace for the unit tests and the fuzzer.  Every
 * length comes from the guest and is checked against the buffer before use.
 */
#ifndef _DRIVERS_VHOST_9P_PROTOCOL_H
#define _DRIVERS_VHOST_9P_PROTOCOL_H

#ifdef __KERNEL__
#include <linux/errno.h>
#include <linux/stdarg.h>
#include <linux/string.h>
#include <linux/types.h>
#include <linux/uidgid.h>	/* net/9p/9p.h's structs use kuid_t */
#include <net/9p/9p.h>
#else
/* Userspace: the unit tests, the fuzzer and the selftests' client. */
#include <errno.h>
#include <linux/types.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
typedef __u8 u8;
typedef __u16 u16;
typedef __u32 u32;
typedef __u64 u64;
#endif

#ifndef __KERNEL__
/*
 * The kernel's <net/9p/9p.h> names, for userspace: the 9P2000.L message
 * types (T-message numbers; the R-message is T + 1) and the constants of
 * the messages' fields, with their wire values.
 */
enum p9_msg_t {
	P9_TLERROR = 6,
	P9_RLERROR,
	P9_TSTATFS = 8,
	P9_RSTATFS,
	P9_TLOPEN = 12,
	P9_RLOPEN,
	P9_TLCREATE = 14,
	P9_RLCREATE,
	P9_TSYMLINK = 16,
	P9_RSYMLINK,
	P9_TMKNOD = 18,
	P9_RMKNOD,
	P9_TRENAME = 20,
	P9_RRENAME,
	P9_TREADLINK = 22,
	P9_RREADLINK,
	P9_TGETATTR = 24,
	P9_RGETATTR,
	P9_TSETATTR = 26,
	P9_RSETATTR,
	P9_TXATTRWALK = 30,
	P9_RXATTRWALK,
	P9_TXATTRCREATE = 32,
	P9_RXATTRCREATE,
	P9_TREADDIR = 40,
	P9_RREADDIR,
	P9_TFSYNC = 50,
	P9_RFSYNC,
	P9_TLOCK = 52,
	P9_RLOCK,
	P9_TGETLOCK = 54,
	P9_RGETLOCK,
	P9_TLINK = 70,
	P9_RLINK,
	P9_TMKDIR = 72,
	P9_RMKDIR,
	P9_TRENAMEAT = 74,
	P9_RRENAMEAT,
	P9_TUNLINKAT = 76,
	P9_RUNLINKAT,
	P9_TVERSION = 100,
	P9_RVERSION,
	P9_TAUTH = 102,
	P9_RAUTH,
	P9_TATTACH = 104,
	P9_RATTACH,
	P9_TERROR = 106,
	P9_RERROR,
	P9_TFLUSH = 108,
	P9_RFLUSH,
	P9_TWALK = 110,
	P9_RWALK,
	P9_TREAD = 116,
	P9_RREAD,
	P9_TWRITE = 118,
	P9_RWRITE,
	P9_TCLUNK = 120,
	P9_RCLUNK,
	P9_TREMOVE = 122,
	P9_RREMOVE,
};

#define P9_NOTAG		((u16)~0)
#define P9_NOFID		((u32)~0)
#define P9_MAXWELEM		16

/* qid.type */
#define P9_QTDIR		0x80
#define P9_QTAPPEND		0x40
#define P9_QTSYMLINK		0x02
#define P9_QTFILE		0x00

/* Tlopen and Tlcreate flags: Linux's O_* flags, in octal as on x86 */
#define P9_DOTL_CREATE		00000100
#define P9_DOTL_EXCL		00000200
#define P9_DOTL_NOCTTY		00000400
#define P9_DOTL_TRUNC		00001000
#define P9_DOTL_APPEND		00002000
#define P9_DOTL_NONBLOCK	00004000
#define P9_DOTL_DSYNC		00010000
#define P9_DOTL_FASYNC		00020000
#define P9_DOTL_DIRECT		00040000
#define P9_DOTL_LARGEFILE	00100000
#define P9_DOTL_DIRECTORY	00200000
#define P9_DOTL_NOFOLLOW	00400000
#define P9_DOTL_NOATIME		01000000
#define P9_DOTL_CLOEXEC		02000000
#define P9_DOTL_SYNC		04000000
/* Tunlinkat flags */
#define P9_DOTL_AT_REMOVEDIR	0x200

/* Tgetattr request_mask and Rgetattr valid */
#define P9_STATS_MODE		0x00000001ULL
#define P9_STATS_NLINK		0x00000002ULL
#define P9_STATS_UID		0x00000004ULL
#define P9_STATS_GID		0x00000008ULL
#define P9_STATS_RDEV		0x00000010ULL
#define P9_STATS_ATIME		0x00000020ULL
#define P9_STATS_MTIME		0x00000040ULL
#define P9_STATS_CTIME		0x00000080ULL
#define P9_STATS_INO		0x00000100ULL
#define P9_STATS_SIZE		0x00000200ULL
#define P9_STATS_BLOCKS		0x00000400ULL
#define P9_STATS_BTIME		0x00000800ULL
#define P9_STATS_GEN		0x00001000ULL
#define P9_STATS_DATA_VERSION	0x00002000ULL
#define P9_STATS_BASIC		0x000007ffULL
#define P9_STATS_ALL		0x00003fffULL

/* Tlock and Tgetlock */
#define P9_LOCK_TYPE_RDLCK	0
#define P9_LOCK_TYPE_WRLCK	1
#define P9_LOCK_TYPE_UNLCK	2
#define P9_LOCK_SUCCESS		0
#define P9_LOCK_BLOCKED		1
#define P9_LOCK_ERROR		2
#define P9_LOCK_GRACE		3
#define P9_LOCK_FLAGS_BLOCK	1
#define P9_LOCK_FLAGS_RECLAIM	2

struct p9_qid {
	u8 type;
	u32 version;
	u64 path;
};
#endif /* !__KERNEL__ */

/* Message types are a byte: tables indexed by one have this many entries. */
#define V9P_MSG_TYPE_MAX	256

/* size[4] type[1] tag[2] */
#define V9P_HDR_SIZE		7
#define V9P_QID_SIZE		13
/* Rread and Rreaddir: the header, then count[4], then the data. */
#define V9P_IOHDR_SIZE		(V9P_HDR_SIZE + 4)
/* Twrite: the header, then fid[4] offset[8] count[4], then the data. */
#define V9P_TWRITE_HDR_SIZE	(V9P_HDR_SIZE + 4 + 8 + 4)

/* Tlopen and Tlcreate flags (P9_DOTL_*): the access mode. */
#define V9P_DOTL_ACCMODE	00000003

/* Tsetattr valid */
#define V9P_SETATTR_MODE	0x00000001
#define V9P_SETATTR_UID		0x00000002
#define V9P_SETATTR_GID		0x00000004
#define V9P_SETATTR_SIZE	0x00000008
#define V9P_SETATTR_ATIME	0x00000010
#define V9P_SETATTR_MTIME	0x00000020
#define V9P_SETATTR_CTIME	0x00000040
#define V9P_SETATTR_ATIME_SET	0x00000080
#define V9P_SETATTR_MTIME_SET	0x00000100

/* Txattrcreate flags */
#define V9P_XATTR_CREATE	1
#define V9P_XATTR_REPLACE	2

/**
 * struct v9p_str - a string on the wire: len[2] then len bytes
 * @len: its length, not counting the NUL
 * @str: when decoded, a NUL-terminated copy of it in the message's scratch
 *	area; it may contain NUL bytes of its own (check before use as a name)
 */
struct v9p_str {
	u16 len;
	const char *str;
};

/**
 * struct v9p_buf - a cursor over one message
 * @data: the message
 * @size: bytes of message (decoding) or room for it (encoding)
 * @pos: the next byte to read or write
 * @scratch: where decoded strings are copied, NUL-terminated
 * @scratch_size: room there; decoding needs at most @size bytes of it
 * @scratch_pos: the next free byte of @scratch
 */
struct v9p_buf {
	u8 *data;
	u32 size;
	u32 pos;
	char *scratch;
	u32 scratch_size;
	u32 scratch_pos;
};

void v9p_buf_init(struct v9p_buf *buf, void *data, u32 size, void *scratch,
		  u32 scratch_size);
int v9p_readf(struct v9p_buf *buf, const char *fmt, ...);
int v9p_vreadf(struct v9p_buf *buf, const char *fmt, va_list ap);
int v9p_writef(struct v9p_buf *buf, const char *fmt, ...);
int v9p_vwritef(struct v9p_buf *buf, const char *fmt, va_list ap);
int v9p_read_header(struct v9p_buf *buf, u32 *size, u8 *type, u16 *tag);
void v9p_begin_reply(struct v9p_buf *buf, u8 type, u16 tag);
u32 v9p_end_reply(struct v9p_buf *buf);
void v9p_end_reply_sized(struct v9p_buf *buf, u32 size);
void v9p_put_error(struct v9p_buf *buf, u16 tag, int err);
bool v9p_name_ok(const struct v9p_str *name);
const char *v9p_msg_name(unsigned int type);

#endif /* _DRIVERS_VHOST_9P_PROTOCOL_H */
