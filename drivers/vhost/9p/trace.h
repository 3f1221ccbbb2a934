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

/* Mount tags are up to 255 bytes; events keep the first 15. */
#define V9P_TRACE_TAG_LEN 16

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
	    TP_printk("%s tag=%u type=%u fid=%d size=%u", __entry->mount_tag,
		      __entry->tag, __entry->type, (int)__entry->fid, __entry->size)
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
	    TP_printk("%s tag=%u type=%u err=%d len=%u bytes=%llu server_ns=%llu",
		      __entry->mount_tag, __entry->tag, __entry->type, __entry->err,
		      __entry->len, __entry->bytes, __entry->server_ns)
);

#endif /* _VHOST_9P_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
