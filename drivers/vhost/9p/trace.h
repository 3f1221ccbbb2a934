/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vhost-9p tracepoints: one event when a request is taken off the ring,
 * one when its reply is put on the used ring, with the server time in
 * between.  perf trace -e 'vhost_9p:*', or bpftrace on
 * tracepoint:vhost_9p:vhost_9p_reply for latency histograms.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM vhost_9p

#if !defined(_VHOST_9P_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _VHOST_9P_TRACE_H

#include <linux/string.h>
#include <linux/tracepoint.h>

#include "protocol.h"

/* Mount tags are up to 255 bytes; events keep the first 15. */
#define V9P_TRACE_TAG_LEN 16

/* The T-messages by name, for the events' text (perf and trace-cmd too). */
TRACE_DEFINE_ENUM(P9_TSTATFS);
TRACE_DEFINE_ENUM(P9_TLOPEN);
TRACE_DEFINE_ENUM(P9_TLCREATE);
TRACE_DEFINE_ENUM(P9_TSYMLINK);
TRACE_DEFINE_ENUM(P9_TMKNOD);
TRACE_DEFINE_ENUM(P9_TRENAME);
TRACE_DEFINE_ENUM(P9_TREADLINK);
TRACE_DEFINE_ENUM(P9_TGETATTR);
TRACE_DEFINE_ENUM(P9_TSETATTR);
TRACE_DEFINE_ENUM(P9_TXATTRWALK);
TRACE_DEFINE_ENUM(P9_TXATTRCREATE);
TRACE_DEFINE_ENUM(P9_TREADDIR);
TRACE_DEFINE_ENUM(P9_TFSYNC);
TRACE_DEFINE_ENUM(P9_TLOCK);
TRACE_DEFINE_ENUM(P9_TGETLOCK);
TRACE_DEFINE_ENUM(P9_TLINK);
TRACE_DEFINE_ENUM(P9_TMKDIR);
TRACE_DEFINE_ENUM(P9_TRENAMEAT);
TRACE_DEFINE_ENUM(P9_TUNLINKAT);
TRACE_DEFINE_ENUM(P9_TVERSION);
TRACE_DEFINE_ENUM(P9_TAUTH);
TRACE_DEFINE_ENUM(P9_TATTACH);
TRACE_DEFINE_ENUM(P9_TFLUSH);
TRACE_DEFINE_ENUM(P9_TWALK);
TRACE_DEFINE_ENUM(P9_TREAD);
TRACE_DEFINE_ENUM(P9_TWRITE);
TRACE_DEFINE_ENUM(P9_TCLUNK);
TRACE_DEFINE_ENUM(P9_TREMOVE);

#define show_v9p_type(type)				\
	__print_symbolic(type,				\
		{ P9_TSTATFS, "Tstatfs" },		\
		{ P9_TLOPEN, "Tlopen" },		\
		{ P9_TLCREATE, "Tlcreate" },		\
		{ P9_TSYMLINK, "Tsymlink" },		\
		{ P9_TMKNOD, "Tmknod" },		\
		{ P9_TRENAME, "Trename" },		\
		{ P9_TREADLINK, "Treadlink" },		\
		{ P9_TGETATTR, "Tgetattr" },		\
		{ P9_TSETATTR, "Tsetattr" },		\
		{ P9_TXATTRWALK, "Txattrwalk" },	\
		{ P9_TXATTRCREATE, "Txattrcreate" },	\
		{ P9_TREADDIR, "Treaddir" },		\
		{ P9_TFSYNC, "Tfsync" },		\
		{ P9_TLOCK, "Tlock" },			\
		{ P9_TGETLOCK, "Tgetlock" },		\
		{ P9_TLINK, "Tlink" },			\
		{ P9_TMKDIR, "Tmkdir" },		\
		{ P9_TRENAMEAT, "Trenameat" },		\
		{ P9_TUNLINKAT, "Tunlinkat" },		\
		{ P9_TVERSION, "Tversion" },		\
		{ P9_TAUTH, "Tauth" },			\
		{ P9_TATTACH, "Tattach" },		\
		{ P9_TFLUSH, "Tflush" },		\
		{ P9_TWALK, "Twalk" },			\
		{ P9_TREAD, "Tread" },			\
		{ P9_TWRITE, "Twrite" },		\
		{ P9_TCLUNK, "Tclunk" },		\
		{ P9_TREMOVE, "Tremove" })

TRACE_EVENT(vhost_9p_request,
	    TP_PROTO(const char *mount_tag, u16 tag, u8 type, u32 fid, u32 size),
	    TP_ARGS(mount_tag, tag, type, fid, size),
	    TP_STRUCT__entry(__array(char, mount_tag, V9P_TRACE_TAG_LEN)
			     __field(u16, tag)
			     __field(u8, type)
			     __field(u32, fid)
			     __field(u32, size)),
	    TP_fast_assign(strscpy(__entry->mount_tag, mount_tag, V9P_TRACE_TAG_LEN);
			   __entry->tag = tag;
			   __entry->type = type;
			   __entry->fid = fid;
			   __entry->size = size;),
	    TP_printk("%s tag=%u type=%s fid=%d size=%u", __entry->mount_tag,
		      __entry->tag, show_v9p_type(__entry->type), (int)__entry->fid,
		      __entry->size)
);

TRACE_EVENT(vhost_9p_reply,
	    TP_PROTO(const char *mount_tag, u16 tag, u8 type, int err, u32 len,
		     u64 bytes, u64 server_ns),
	    TP_ARGS(mount_tag, tag, type, err, len, bytes, server_ns),
	    TP_STRUCT__entry(__array(char, mount_tag, V9P_TRACE_TAG_LEN)
			     __field(u16, tag)
			     __field(u8, type)
			     __field(int, err)
			     __field(u32, len)
			     __field(u64, bytes)
			     __field(u64, server_ns)),
	    TP_fast_assign(strscpy(__entry->mount_tag, mount_tag, V9P_TRACE_TAG_LEN);
			   __entry->tag = tag;
			   __entry->type = type;
			   __entry->err = err;
			   __entry->len = len;
			   __entry->bytes = bytes;
			   __entry->server_ns = server_ns;),
	    TP_printk("%s tag=%u type=%s err=%d len=%u bytes=%llu server_ns=%llu",
		      __entry->mount_tag, __entry->tag, show_v9p_type(__entry->type), __entry->err,
		      __entry->len, __entry->bytes, __entry->server_ns)
);

#endif /* _VHOST_9P_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
