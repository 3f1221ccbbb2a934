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

/* 9P2000.L message types, T-message numbers; the R-message is T + 1. */
enum v9p_msg_type {
	V9P_TLERROR = 6,
	V9P_RLERROR,
	V9P_TSTATFS = 8,
	V9P_RSTATFS,
	V9P_TLOPEN = 12,
	V9P_RLOPEN,
	V9P_TLCREATE = 14,
	V9P_RLCREATE,
	V9P_TSYMLINK = 16,
	V9P_RSYMLINK,
	V9P_TMKNOD = 18,
	V9P_RMKNOD,
	V9P_TRENAME = 20,
	V9P_RRENAME,
	V9P_TREADLINK = 22,
	V9P_RREADLINK,
	V9P_TGETATTR = 24,
	V9P_RGETATTR,
	V9P_TSETATTR = 26,
	V9P_RSETATTR,
	V9P_TXATTRWALK = 30,
	V9P_RXATTRWALK,
	V9P_TXATTRCREATE = 32,
	V9P_RXATTRCREATE,
	V9P_TREADDIR = 40,
	V9P_RREADDIR,
	V9P_TFSYNC = 50,
	V9P_RFSYNC,
	V9P_TLOCK = 52,
	V9P_RLOCK,
	V9P_TGETLOCK = 54,
	V9P_RGETLOCK,
	V9P_TLINK = 70,
	V9P_RLINK,
	V9P_TMKDIR = 72,
	V9P_RMKDIR,
	V9P_TRENAMEAT = 74,
	V9P_RRENAMEAT,
	V9P_TUNLINKAT = 76,
	V9P_RUNLINKAT,
	V9P_TVERSION = 100,
	V9P_RVERSION,
	V9P_TAUTH = 102,
	V9P_RAUTH,
	V9P_TATTACH = 104,
	V9P_RATTACH,
	V9P_TERROR = 106,
	V9P_RERROR,
	V9P_TFLUSH = 108,
	V9P_RFLUSH,
	V9P_TWALK = 110,
	V9P_RWALK,
	V9P_TREAD = 116,
	V9P_RREAD,
	V9P_TWRITE = 118,
	V9P_RWRITE,
	V9P_TCLUNK = 120,
	V9P_RCLUNK,
	V9P_TREMOVE = 122,
	V9P_RREMOVE,
	V9P_MSG_TYPE_MAX = 256,
};

/* size[4] type[1] tag[2] */
#define V9P_HDR_SIZE		7
#define V9P_NOTAG		((u16)~0)
#define V9P_NOFID		((u32)~0)
#define V9P_MAXWELEM		16
#define V9P_QID_SIZE		13
/* Rread and Rreaddir: the header, then count[4], then the data. */
#define V9P_IOHDR_SIZE		(V9P_HDR_SIZE + 4)
/* Twrite: the header, then fid[4] offset[8] count[4], then the data. */
#define V9P_TWRITE_HDR_SIZE	(V9P_HDR_SIZE + 4 + 8 + 4)

/* qid.type */
#define V9P_QTDIR		0x80
#define V9P_QTAPPEND		0x40
#define V9P_QTSYMLINK		0x02
#define V9P_QTFILE		0x00

/* Tlopen and Tlcreate flags are Linux's O_* flags, in octal as on x86. */
#define V9P_DOTL_ACCMODE	00000003
#define V9P_DOTL_CREATE		00000100
#define V9P_DOTL_EXCL		00000200
#define V9P_DOTL_NOCTTY		00000400
#define V9P_DOTL_TRUNC		00001000
#define V9P_DOTL_APPEND		00002000
#define V9P_DOTL_NONBLOCK	00004000
#define V9P_DOTL_DSYNC		00010000
#define V9P_DOTL_FASYNC		00020000
#define V9P_DOTL_DIRECT		00040000
#define V9P_DOTL_LARGEFILE	00100000
#define V9P_DOTL_DIRECTORY	00200000
#define V9P_DOTL_NOFOLLOW	00400000
#define V9P_DOTL_NOATIME	01000000
#define V9P_DOTL_CLOEXEC	02000000
#define V9P_DOTL_SYNC		04000000

/* Tunlinkat flags */
#define V9P_AT_REMOVEDIR	0x200

/* Tgetattr request_mask and Rgetattr valid */
#define V9P_GETATTR_MODE	0x00000001ULL
#define V9P_GETATTR_NLINK	0x00000002ULL
#define V9P_GETATTR_UID		0x00000004ULL
#define V9P_GETATTR_GID		0x00000008ULL
#define V9P_GETATTR_RDEV	0x00000010ULL
#define V9P_GETATTR_ATIME	0x00000020ULL
#define V9P_GETATTR_MTIME	0x00000040ULL
#define V9P_GETATTR_CTIME	0x00000080ULL
#define V9P_GETATTR_INO		0x00000100ULL
#define V9P_GETATTR_SIZE	0x00000200ULL
#define V9P_GETATTR_BLOCKS	0x00000400ULL
#define V9P_GETATTR_BTIME	0x00000800ULL
#define V9P_GETATTR_GEN		0x00001000ULL
#define V9P_GETATTR_DATA_VERSION 0x00002000ULL
#define V9P_GETATTR_BASIC	0x000007ffULL
#define V9P_GETATTR_ALL		0x00003fffULL

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

/* Tlock and Tgetlock */
#define V9P_LOCK_TYPE_RDLCK	0
#define V9P_LOCK_TYPE_WRLCK	1
#define V9P_LOCK_TYPE_UNLCK	2
#define V9P_LOCK_SUCCESS	0
#define V9P_LOCK_BLOCKED	1
#define V9P_LOCK_ERROR		2
#define V9P_LOCK_GRACE		3
#define V9P_LOCK_FLAGS_BLOCK	1
#define V9P_LOCK_FLAGS_RECLAIM	2

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
 * struct v9p_qid - the server's identity of a file
 * @type: V9P_QT*
 * @version: changes when the file changes (0: not tracked)
 * @path: unique among all files of the export
 */
struct v9p_qid {
	u8 type;
	u32 version;
	u64 path;
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
